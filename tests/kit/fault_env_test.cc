// The fault Env itself: it counts, fails exactly the planned operation, and
// after a crash lets nothing through.
#include "tests/kit/fault_env.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {
namespace {

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

class FaultEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  // Writes `name` with the real file system.
  void Put(const std::string& name, std::string_view text) {
    WriteAll(dir_.File(name), Text(text));
  }
  bool Has(const std::string& name) { return Env::Default().FileExists(dir_.File(name)); }

  // A temp file with `text`, written and synced through the fault Env.
  Status WriteTemp(std::string_view text, std::string* path) {
    WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env_.NewTempFile(dir_.File("f")));
    *path = file->path();
    WAYPOST_RETURN_IF_ERROR(file->WriteAt(0, Text(text)));
    WAYPOST_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  TempDir dir_;
  FaultInjector faults_;
  FaultEnv env_{faults_};
};

TEST_F(FaultEnvTest, WithoutAPlanEverythingWorksAndIsCounted) {
  std::string tmp;
  ASSERT_OK(WriteTemp("hello", &tmp));
  ASSERT_OK(env_.LinkFile(tmp, dir_.File("b")));
  ASSERT_OK(env_.RemoveFile(tmp));
  ASSERT_OK(env_.SyncDir(dir_.path()));
  ASSERT_OK(env_.CreateDirs(dir_.File("x/y"), 0700));

  EXPECT_EQ(ReadAll(dir_.File("b")), Text("hello"));
  EXPECT_FALSE(faults_.hit());
  EXPECT_EQ(faults_.count(FaultOp::kAny), 7);
  for (FaultOp op : {FaultOp::kCreate, FaultOp::kWrite, FaultOp::kSync, FaultOp::kLink,
                     FaultOp::kRemove, FaultOp::kSyncDir, FaultOp::kMkdir}) {
    EXPECT_EQ(faults_.count(op), 1) << FaultOpName(op);
  }
  const std::vector<FaultInjector::Event>& log = faults_.log();
  ASSERT_EQ(log.size(), 7u);
  EXPECT_EQ(log[0].op, FaultOp::kCreate);
  EXPECT_EQ(log[0].path, dir_.File("f"));
  EXPECT_EQ(log[1].op, FaultOp::kWrite);
  EXPECT_EQ(log[1].path, tmp);
  EXPECT_EQ(log[3].op, FaultOp::kLink);
  EXPECT_EQ(log[3].path, dir_.File("b"));  // the target
}

TEST_F(FaultEnvTest, FailsExactlyTheNthOperationOfAKindAndDoesNothing) {
  Put("a", "1");
  Put("b", "2");
  Put("c", "3");
  faults_.Fail(FaultOp::kRemove, 2);
  ASSERT_OK(env_.RemoveFile(dir_.File("a")));
  Status second = env_.RemoveFile(dir_.File("b"));
  EXPECT_STATUS(second, Status::Code::kIoError);
  EXPECT_NE(second.message().find("injected"), std::string::npos) << second.message();
  EXPECT_TRUE(Has("b"));  // refused: nothing happened
  ASSERT_OK(env_.RemoveFile(dir_.File("c")));
  ASSERT_OK(env_.RemoveFile(dir_.File("b")));  // transient: later ones work
  EXPECT_TRUE(faults_.hit());
  EXPECT_FALSE(faults_.crashed());
  EXPECT_EQ(faults_.count(FaultOp::kRemove), 4);
  EXPECT_EQ(faults_.LogText(), "remove " + dir_.File("a") + "\n!remove " + dir_.File("b") +
                                   "\nremove " + dir_.File("c") + "\nremove " + dir_.File("b") +
                                   "\n");
}

TEST_F(FaultEnvTest, OtherKindsDoNotCountTowardsTheNth) {
  Put("a", "1");
  faults_.Fail(FaultOp::kLink, 1);
  ASSERT_OK(env_.SyncDir(dir_.path()));
  ASSERT_OK(env_.RemoveFile(dir_.File("a")));
  Put("a", "1");
  EXPECT_STATUS(env_.LinkFile(dir_.File("a"), dir_.File("c")), Status::Code::kIoError);
  EXPECT_TRUE(Has("a"));
  EXPECT_FALSE(Has("c"));
}

TEST_F(FaultEnvTest, AnyKindCountsEveryChange) {
  faults_.Fail(FaultOp::kAny, 3);  // create, write, then the sync
  std::unique_ptr<WritableFile> file;
  {
    auto created = env_.NewTempFile(dir_.File("f"));
    ASSERT_OK(created);
    file = std::move(created).value();
  }
  ASSERT_OK(file->WriteAt(0, Text("data")));
  EXPECT_STATUS(file->Sync(), Status::Code::kIoError);
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  EXPECT_EQ(ReadAll(file->path()), Text("data"));
}

TEST_F(FaultEnvTest, ARefusedWriteWritesNothing) {
  faults_.Fail(FaultOp::kWrite, 1);
  std::string tmp;
  EXPECT_STATUS(WriteTemp("secret", &tmp), Status::Code::kIoError);
  EXPECT_TRUE(ReadAll(tmp).empty());
}

TEST_F(FaultEnvTest, RefusedLinkRemoveMkdirAndCreateChangeNothing) {
  Put("a", "1");
  Put("b", "2");
  faults_.Fail(FaultOp::kLink, 1);
  EXPECT_STATUS(env_.LinkFile(dir_.File("a"), dir_.File("new")), Status::Code::kIoError);
  EXPECT_FALSE(Has("new"));
  faults_.Fail(FaultOp::kRemove, 1);
  EXPECT_STATUS(env_.RemoveFile(dir_.File("b")), Status::Code::kIoError);
  EXPECT_EQ(ReadAll(dir_.File("b")), Text("2"));
  faults_.Fail(FaultOp::kMkdir, 1);
  EXPECT_STATUS(env_.CreateDirs(dir_.File("d"), 0700), Status::Code::kIoError);
  EXPECT_FALSE(Has("d"));
  faults_.Fail(FaultOp::kCreate, 1);
  EXPECT_STATUS(env_.NewTempFile(dir_.File("t")).status(), Status::Code::kIoError);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, env_.GetChildren(dir_.path()));
  EXPECT_EQ(names.size(), 2u);  // a and b, nothing else
}

TEST_F(FaultEnvTest, ACrashFailsTheNthAndEveryLaterOperation) {
  Put("a", "1");
  Put("b", "2");
  faults_.Crash(FaultOp::kSyncDir, 1);
  ASSERT_OK(env_.LinkFile(dir_.File("a"), dir_.File("c")));
  EXPECT_STATUS(env_.SyncDir(dir_.path()), Status::Code::kIoError);
  EXPECT_TRUE(faults_.crashed());
  EXPECT_STATUS(env_.RemoveFile(dir_.File("b")), Status::Code::kIoError);
  EXPECT_STATUS(env_.LinkFile(dir_.File("c"), dir_.File("d")), Status::Code::kIoError);
  EXPECT_STATUS(env_.NewTempFile(dir_.File("t")).status(), Status::Code::kIoError);
  EXPECT_STATUS(env_.SyncDir(dir_.path()), Status::Code::kIoError);
  EXPECT_TRUE(Has("b"));
  EXPECT_TRUE(Has("c"));
  EXPECT_FALSE(Has("d"));
  // Reads still see the files as the crash left them.
  ASSERT_OK_AND_ASSIGN(Bytes c, env_.ReadSmallFile(dir_.File("c"), 100));
  EXPECT_EQ(c, Text("1"));
  for (size_t i = 1; i < faults_.log().size(); ++i) EXPECT_TRUE(faults_.log()[i].failed) << i;
}

TEST_F(FaultEnvTest, ACrashAlsoStopsWritesToFilesOpenedBefore) {
  Put("victim", "abcd");
  uint64_t size = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> file,
                       env_.OpenForOverwrite(dir_.File("victim"), &size));
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(size, 4u);
  faults_.Crash(FaultOp::kWrite, 2);
  ASSERT_OK(file->WriteAt(0, Text("x")));
  EXPECT_STATUS(file->WriteAt(1, Text("y")), Status::Code::kIoError);
  EXPECT_STATUS(file->Sync(), Status::Code::kIoError);
  EXPECT_STATUS(file->Close(), Status::Code::kIoError);
  EXPECT_EQ(ReadAll(dir_.File("victim")), Text("xbcd"));
}

}  // namespace
}  // namespace waypost::testing
