#pragma once
// Shared pieces of the payments integration tests: Node helpers started as child processes
// (tests/fakes/stripe), a recording PaymentEventSink, and a harness with the real PaymentsModule
// (simulated processor unless a provider is given) behind the auth harness's Router + Dispatcher.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/auth_fixture.hpp"
#include "modules/payments/payments_module.hpp"

extern char** environ;

namespace emporium::payments::testing {

namespace fs = std::filesystem;
namespace json = boost::json;

/// A file of the source tree, found by walking up from the test binary (build dirs live inside
/// the tree). Empty when not found.
inline fs::path SourceFile(const std::string& relative) {
  std::error_code ec;
  for (fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / relative)) return dir / relative;
  }
  return {};
}

/// `node` on PATH. Node is part of the development bootstrap, so its absence fails the test.
inline std::string NodeBinary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = dirs.find(':', start);
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / "node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

/// A child process with pipes to its stdin and stdout. Closing stdin asks it to exit; the
/// destructor waits for it (and kills that one process if it does not go).
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~ChildProcess() {
    CloseStdin();
    if (stdout_ >= 0) ::close(stdout_);
    if (pid_ <= 0) return;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  void Write(const std::string& data) {
    for (std::size_t done = 0; done < data.size();) {
      const auto n = ::write(stdin_, data.data() + done, data.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  void CloseStdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  /// Reads stdout until `stop` returns true for what was read, EOF, or the timeout.
  template <class Stop>
  std::string ReadUntil(Stop stop, std::chrono::milliseconds timeout) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!stop(text)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{stdout_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const auto n = ::read(stdout_, buffer, sizeof buffer);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
};

/// Runs a Node script to completion with `input` on stdin; its stdout.
inline std::string RunNodeScript(const std::string& script, const std::vector<std::string>& args,
                                 const std::string& input) {
  const std::string node = NodeBinary();
  const fs::path path = SourceFile(script);
  EXPECT_FALSE(node.empty()) << "node is not on PATH (it is part of the bootstrap)";
  EXPECT_FALSE(path.empty()) << script << " not found above the test binary";
  if (node.empty() || path.empty()) return {};
  std::vector<std::string> argv = {node, path.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv);
  EXPECT_TRUE(child.started());
  child.Write(input);
  child.CloseStdin();
  return child.ReadUntil([](const std::string&) { return false; }, std::chrono::seconds(20));
}

/// Records every event it is given; can be told to fail (to test the rollback).
class RecordingSink final : public PaymentEventSink {
 public:
  Status OnPaymentEvent(db::Tx&, const PaymentEvent& event) override {
    std::lock_guard lock(mutex_);
    if (fail_) return Error::Internal("sink failure requested by the test");
    events_.push_back(event);
    return OkStatus();
  }
  std::vector<PaymentEvent> Events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  int CountOf(const std::string& type) const {
    int n = 0;
    for (const auto& e : Events()) n += e.type == type ? 1 : 0;
    return n;
  }
  void SetFailing(bool fail) {
    std::lock_guard lock(mutex_);
    fail_ = fail;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<PaymentEvent> events_;
  bool fail_ = false;
};

inline constexpr const char* kWebhookSecret = "whsec_emporium_integration_test";

class PaymentsHarness : public auth::testing::AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    config_.stripe_webhook_secret = kWebhookSecret;
    payments_ = std::make_unique<PaymentsModule>(db(), config_, clock_, *auth_, MakeProvider());
    payments_->AddSink(&sink_);
    payments_->RegisterRoutes(*router_);
  }
  void TearDown() override {
    payments_.reset();
    AuthHarness::TearDown();
  }
  /// The processor under test; null = the module's default for config_ (simulated).
  virtual std::unique_ptr<PaymentProvider> MakeProvider() { return nullptr; }

  /// A request with any headers and a raw body (the webhook signs the exact bytes).
  auth::testing::CallResult Raw(http::Method method, const std::string& path, const std::string& body,
                                std::vector<http::Header> headers, const std::string& token = {}) {
    http::Request req;
    req.method = method;
    req.target = path;
    req.path = path;
    req.remote_ip = auth::testing::kClientIp;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
    if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
    auth::testing::CallResult out;
    out.response = dispatcher_->Handle(req);
    out.status = out.response.status;
    boost::system::error_code ec;
    if (!out.response.body.empty()) out.body = json::parse(out.response.body, ec);
    return out;
  }

  /// Saves a card through the API; its id.
  std::int64_t SaveCard(const std::string& token, const std::string& provider_token) {
    auto r = Post("/api/v1/me/payment-methods", json::object{{"provider_token", provider_token}}, token);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return r.status == 201 ? r.obj().at("id").as_int64() : 0;
  }

  Result<std::int64_t> NewPaymentFor(std::int64_t user_id, const std::string& method, std::int64_t amount = 2599,
                                     std::optional<std::int64_t> order_id = 42) {
    return db().Write([&](db::Tx& tx) -> Result<std::int64_t> {
      EMP_ASSIGN(auto created, payments_->CreatePayment(tx, {.user_id = user_id,
                                                             .order_id = order_id,
                                                             .amount = amount,
                                                             .currency = "USD",
                                                             .payment_method = method}));
      return created.payment.id;
    });
  }

  PaymentRecord Record(std::int64_t payment_id) {
    auto r = db().Read([&](db::Tx& tx) { return payments_->Get(tx, payment_id); });
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : PaymentRecord{};
  }

  RecordingSink sink_;
  std::unique_ptr<PaymentsModule> payments_;
};

}  // namespace emporium::payments::testing
