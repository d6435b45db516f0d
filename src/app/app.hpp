#pragma once
// The composition root: builds every object once, in dependency order, passes dependencies through
// constructors, registers every module's routes, and runs the server. Nothing else constructs
// services, and no business code reaches for globals.

#include <memory>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/roles.hpp"

namespace emporium::http {
class Router;
}

namespace emporium::app {

class App {
 public:
  /// Opens the database (applying migrations when `migrate` is true, else refusing an out-of-date
  /// schema), and builds the modules. Does not listen yet.
  static Result<std::unique_ptr<App>> Create(core::Config config, bool migrate = true);
  ~App();

  /// Listens on Config::host:port, prints "listening on http://host:port" to stdout, serves until
  /// SIGTERM/SIGINT, drains, and returns the process exit code.
  int Serve();

  /// `emporium worker`: runs only the job runner (Config::job_concurrency jobs at once, at least one)
  /// until SIGTERM/SIGINT, then lets running jobs finish (bounded) and returns the exit code. With
  /// `once`, runs the jobs due now on the calling thread, prints how many, and returns.
  int Work(bool once);

  /// Creates a user with any role (the CLI's way to make the first admin).
  Status CreateUser(const std::string& email, const std::string& password, const std::string& first_name,
                    const std::string& last_name, Role role);

  /// Every route the app serves (tests check each one is documented in docs/openapi.yaml).
  const http::Router& router() const;

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

/// `emporium migrate`: applies pending migrations and prints the resulting version.
int RunMigrate(const core::Config& config);

}  // namespace emporium::app
