// The POSIX Env (core/env.h, core/env_posix.cc): the contracts that the
// store relies on, and the exact texts its errors carry.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

class EnvPosixTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  Env& env_ = Env::Default();
  TempDir dir_;
};

TEST_F(EnvPosixTest, DefaultIsOneObject) { EXPECT_EQ(&Env::Default(), &Env::Default()); }

TEST_F(EnvPosixTest, FileExistsSeesADanglingSymlink) {
  const std::string link = dir_.File("link");
  EXPECT_FALSE(env_.FileExists(link));
  ASSERT_EQ(::symlink("/nonexistent/target", link.c_str()), 0);
  EXPECT_TRUE(env_.FileExists(link));
}

TEST_F(EnvPosixTest, ReadSmallFileNamesMissingAndOversizedFiles) {
  const std::string path = dir_.File("f");
  Result<Bytes> missing = env_.ReadSmallFile(path, 10);
  EXPECT_STATUS(missing, Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "no file at " + path);

  WriteAll(path, Bytes(11, 7));
  Result<Bytes> big = env_.ReadSmallFile(path, 10);
  EXPECT_STATUS(big, Status::Code::kCorrupt);
  EXPECT_EQ(big.status().message(), path + " is larger than expected");
  ASSERT_OK_AND_ASSIGN(Bytes whole, env_.ReadSmallFile(path, 11));
  EXPECT_EQ(whole, Bytes(11, 7));
}

TEST_F(EnvPosixTest, TempFileIsNewPrivateAndNamedBesideThePath) {
  const std::string path = dir_.File("waypost.key");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> file, env_.NewTempFile(path));
  const std::string& tmp = file->path();
  ASSERT_EQ(tmp.size(), path.size() + 11);
  EXPECT_EQ(tmp.substr(0, path.size() + 5), path + ".tmp-");
  struct stat st;
  ASSERT_EQ(::stat(tmp.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK(file->WriteAt(0, Text("hello")));
  ASSERT_OK(file->WriteAt(5, Text(" world")));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  EXPECT_EQ(ReadAll(tmp), Text("hello world"));
  EXPECT_FALSE(env_.FileExists(path));
}

TEST_F(EnvPosixTest, TempFileInAMissingDirectoryIsAnIoError) {
  const std::string path = dir_.File("no/such/waypost.key");
  Result<std::unique_ptr<WritableFile>> file = env_.NewTempFile(path);
  EXPECT_STATUS(file, Status::Code::kIoError);
  EXPECT_EQ(file.status().message(),
            "cannot create temporary file next to " + path + ": No such file or directory");
}

TEST_F(EnvPosixTest, OverwriteSkipsSymlinksAndFifosAndSizesRegularFiles) {
  const std::string target = dir_.File("target");
  WriteAll(target, Text("keep me"));
  ASSERT_EQ(::symlink(target.c_str(), dir_.File("link").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir_.File("fifo").c_str(), 0600), 0);
  uint64_t size = 99;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> link,
                       env_.OpenForOverwrite(dir_.File("link"), &size));
  EXPECT_EQ(link, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> fifo,
                       env_.OpenForOverwrite(dir_.File("fifo"), &size));  // does not block
  EXPECT_EQ(fifo, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> file, env_.OpenForOverwrite(target, &size));
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(size, 7u);
  ASSERT_OK(file->WriteAt(0, Text("XX")));
  ASSERT_OK(file->Sync());
  EXPECT_EQ(ReadAll(target), Text("XXep me"));
  Result<std::unique_ptr<WritableFile>> gone = env_.OpenForOverwrite(dir_.File("gone"), &size);
  EXPECT_STATUS(gone, Status::Code::kIoError);
}

TEST_F(EnvPosixTest, LinkNeverClobbers) {
  WriteAll(dir_.File("a"), Text("a"));
  WriteAll(dir_.File("b"), Text("b"));
  Status taken = env_.LinkFile(dir_.File("a"), dir_.File("b"));
  EXPECT_STATUS(taken, Status::Code::kAlreadyExists);
  EXPECT_EQ(taken.message(), dir_.File("b") + " already exists");
  EXPECT_EQ(ReadAll(dir_.File("b")), Text("b"));
  ASSERT_OK(env_.LinkFile(dir_.File("a"), dir_.File("c")));
  EXPECT_EQ(ReadAll(dir_.File("c")), Text("a"));
}

TEST_F(EnvPosixTest, RemoveSaysNotFoundForAMissingFileAndNeverFollowsLinks) {
  const std::string target = dir_.File("target");
  WriteAll(target, Text("t"));
  ASSERT_EQ(::symlink(target.c_str(), dir_.File("link").c_str()), 0);
  ASSERT_OK(env_.RemoveFile(dir_.File("link")));
  EXPECT_TRUE(env_.FileExists(target));
  Status missing = env_.RemoveFile(dir_.File("link"));
  EXPECT_STATUS(missing, Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "no file at " + dir_.File("link"));
}

TEST_F(EnvPosixTest, SyncDirNamesTheDirectory) {
  ASSERT_OK(env_.SyncDir(dir_.path()));
  Status missing = env_.SyncDir(dir_.File("none"));
  EXPECT_STATUS(missing, Status::Code::kIoError);
  EXPECT_EQ(missing.message(),
            "cannot open directory " + dir_.File("none") + ": No such file or directory");
}

TEST_F(EnvPosixTest, CreateDirsMakesParentsWithTheModeAndAcceptsExisting) {
  const std::string deep = dir_.File("a/b/c");
  ASSERT_OK(env_.CreateDirs(deep, 0700));
  struct stat st;
  ASSERT_EQ(::stat(dir_.File("a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_OK(env_.CreateDirs(deep, 0700));
  WriteAll(dir_.File("file"), Text("x"));
  Status not_dir = env_.CreateDirs(dir_.File("file"), 0700);
  EXPECT_STATUS(not_dir, Status::Code::kIoError);
  EXPECT_EQ(not_dir.message(), dir_.File("file") + " exists and is not a directory");
  EXPECT_STATUS(env_.CreateDirs("", 0700), Status::Code::kInvalidArgument);
}

TEST_F(EnvPosixTest, GetChildrenListsNamesWithoutDots) {
  WriteAll(dir_.File("x"), Text("x"));
  ASSERT_OK(env_.CreateDirs(dir_.File("y"), 0700));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, env_.GetChildren(dir_.path()));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"x", "y"}));
  EXPECT_STATUS(env_.GetChildren(dir_.File("none")), Status::Code::kNotFound);
  EXPECT_STATUS(env_.GetChildren(dir_.File("x")), Status::Code::kNotFound);  // not a directory
}

}  // namespace
}  // namespace waypost
