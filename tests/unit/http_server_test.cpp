// Drives the real Server over loopback with plain POSIX sockets (no Beast here, to keep this TU
// cheap to compile), for the behaviours only a socket can show: keep-alive, limits, timeouts,
// graceful shutdown.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace emporium::http {
namespace {

using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads one response (Content-Length framed). nullopt on EOF, reset or timeout.
  std::optional<RawResponse> Read(bool head = false) {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse r;
    const std::string head_text = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const auto next = head_text.find("\r\n", line_end + 2);
      const std::string line =
          head_text.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      line_end = next;
    }
    std::size_t length = 0;
    if (!head && r.headers.count("content-length")) length = std::stoul(r.headers["content-length"]);
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  /// True when the server closed the connection (EOF or reset) within the receive timeout.
  bool ClosedByServer() {
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    if (n == 0) return true;
    return n < 0 && (errno == ECONNRESET || errno == EPIPE);
  }

 private:
  bool Fill() {
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : clock_(1'760'000'000) {
    config_.host = "127.0.0.1";
    config_.port = 0;
    config_.environment = "test";
    config_.io_threads = 2;
    config_.worker_threads = 2;
    config_.header_timeout = 1s;
    config_.body_timeout = 2s;
    config_.idle_timeout = 5s;
    config_.shutdown_grace = 5s;
    config_.body_limit_bytes = 1024;
    config_.max_requests_per_connection = 3;

    router_.Get("/hello", [](Request&) -> Result<Response> { return Response(200, "text/plain", "hello"); });
    router_.Post("/echo", [](Request& req) -> Result<Response> { return Response(200, "text/plain", req.body); });
    router_.Get("/path/{rest}", [](Request& req) -> Result<Response> {
      return Response(200, "text/plain", std::string(req.Param("rest")) + "|" + req.Query("q").value_or("-"));
    });
    router_.Get("/slow", [this](Request&) -> Result<Response> {
      slow_started_ = true;
      std::this_thread::sleep_for(800ms);
      return Response(200, "text/plain", "finished");
    });
  }

  void Start() {
    dispatcher_ = std::make_unique<Dispatcher>(router_, config_, clock_, nullptr, nullptr);
    server_ = std::make_unique<Server>(config_, *dispatcher_);
    auto port = server_->Listen();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->Run(); });
  }

  void StopAndJoin() {
    if (!server_) return;
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  void TearDown() override {
    StopAndJoin();
    server_.reset();
  }

  core::Config config_;
  core::ManualClock clock_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> slow_started_{false};
};

constexpr std::string_view kHello = "GET /hello HTTP/1.1\r\nHost: test\r\n\r\n";

TEST_F(ServerTest, KeepsConnectionAliveAcrossRequests) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(kHello));
    auto r = c.Read();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->headers.count("connection"), 0u);  // HTTP/1.1 default: keep-alive
    EXPECT_FALSE(r->headers["x-request-id"].empty());
  }
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  Start();
  Client c(port_);
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\none"
             "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\ntwo"));
  auto first = c.Read();
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "one");
  EXPECT_EQ(second->body, "two");
}

TEST_F(ServerTest, ClosesAfterMaxRequestsPerConnection) {
  Start();
  Client c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(kHello));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->headers.count("connection") ? r->headers["connection"] : "", i == 2 ? "close" : "");
  }
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, OversizedBodyIs413AndCloses) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x')));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->headers["content-type"], "application/problem+json");
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_NE(r->body.find("\"status\":413"), std::string::npos);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  Start();
  Client c(port_);
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "200\r\n" + std::string(512, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(chunked));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, MalformedRequestLineIs400) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->headers["content-type"], "application/problem+json");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(ServerTest, IllegalTargetIs400) {
  Start();
  for (std::string_view target : {"http://example.com/hello", "/bad%zzescape", "/nul%00byte"}) {
    Client c(port_);
    ASSERT_TRUE(c.Send("GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
  }
}

TEST_F(ServerTest, DecodesPathAndKeepsQueryRaw) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("GET /path/caf%C3%A9?q=a+b HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "café|a b");
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerTest, HeadSendsHeadersWithoutBody) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-length"], "5");
  // The connection is still usable, which proves no body bytes followed the header.
  ASSERT_TRUE(c.Send(kHello));
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "hello");
}

TEST_F(ServerTest, AnswersExpectContinue) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("data"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "data");
}

TEST_F(ServerTest, SlowlorisHeaderIsCutOffAfterHeaderTimeout) {
  Start();
  Client c(port_);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n"));
  // One header byte every 200 ms keeps each read short but the whole header never arrives.
  bool closed = false;
  for (int i = 0; i < 20 && !closed; ++i) {
    std::this_thread::sleep_for(200ms);
    closed = !c.Send("X");
  }
  if (!closed) closed = c.ClosedByServer();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_LT(elapsed, 3500ms);
}

TEST_F(ServerTest, SilentNewConnectionIsClosedAfterHeaderTimeout) {
  Start();
  Client c(port_);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.ClosedByServer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, GracefulStopLetsInFlightRequestFinish) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  while (!slow_started_) std::this_thread::sleep_for(10ms);
  server_->Stop();
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(r->headers["connection"], "close");
  thread_.join();
  EXPECT_EQ(server_->ActiveConnections(), 0u);
  Client late(port_);
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  Start();
  Client c(port_);
  ASSERT_TRUE(c.Send(kHello));
  ASSERT_TRUE(c.Read());
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_TRUE(c.ClosedByServer());
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // idle timeout is 5 s
}

TEST_F(ServerTest, CountsActiveConnections) {
  Start();
  Client a(port_);
  Client b(port_);
  ASSERT_TRUE(a.Send(kHello));
  ASSERT_TRUE(a.Read());
  ASSERT_TRUE(b.Send(kHello));
  ASSERT_TRUE(b.Read());
  EXPECT_EQ(server_->ActiveConnections(), 2u);
}

}  // namespace
}  // namespace emporium::http
