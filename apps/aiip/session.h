// Session: what one `aiip` invocation shares between its parsing and its command.
//
// A Session holds the global options, resolves the settings (server, token, CA file) and
// opens the HttpClient only when a command first needs them, so `aiip --help` or a usage
// error never reads the config file or touches the network. It also carries the output
// mode and the helpers every command uses to show results: one object as a key/value
// block, a list as a table (following `next_cursor` pages when asked to), or either as the
// server's JSON with `--json`. Commands are functions `Status(Session&)`.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aiip/output.h"
#include "aiip/settings.h"
#include "client/http_client.h"
#include "common/status.h"

namespace aiip::cli {

// The command line speaks in the HTTP client's terms.
using client::HttpClient;
using client::IsTransportError;
using client::Method;
using client::PathSegment;
using client::Problem;
using client::Query;

// The options every subcommand accepts.
struct GlobalOptions {
  SettingsFlags settings;
  bool json = false;
};

// Paging options of list commands.
struct PageOptions {
  std::optional<int64_t> limit;  // page size, 1..500; the server's default when unset
  std::optional<std::string> cursor;
  bool all = false;  // follow next_cursor until the last page
};

class Session {
 public:
  Session(GlobalOptions options, EnvLookup env, std::ostream& out, std::ostream& err);

  // The client for the configured node, created on first use. Errors: settings errors
  // (see ResolveSettings) and HttpClient::Create's.
  Result<HttpClient*> Client();
  // The client if one was created, else nullptr (to inspect its last problem).
  const HttpClient* client_if_created() const { return client_.get(); }

  // Sends one request through Client().
  Result<boost::json::value> Call(Method method, const std::string& path, const Query& query = {},
                                  const boost::json::value& body = nullptr);

  // Fetches a list endpoint ({"items": [...], "next_cursor": ...}) with `query` plus the
  // paging options, following next_cursor when `page.all`. Returns the items and the
  // cursor of the next page (null after the last). Errors: the call's, or
  // Internal("invalid-response") for a malformed page or a cursor that does not advance.
  Result<boost::json::object> FetchList(const std::string& path, Query query, const PageOptions& page);

  // Shows a fetched list: its JSON with --json, else a table of `columns`, with a hint on
  // stderr when more pages exist.
  void ShowList(const boost::json::object& list, const std::vector<Column>& columns);
  // Shows one object: its JSON with --json, else a key/value block. Internal
  // ("invalid-response") if `value` is not an object.
  Status ShowObject(const boost::json::value& value);

  // Offline checks that succeed but find something (e.g. `aiip vuln scan` finding an
  // affected component) set exit code 1 here; RunCli returns it when the action succeeds.
  void set_findings_exit(bool findings) { findings_exit_ = findings; }
  bool findings_exit() const { return findings_exit_; }

  bool json() const { return options_.json; }
  // Whether --server was given on the command line.
  bool server_flag_given() const { return options_.settings.server.has_value(); }
  const EnvLookup& env() const { return env_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  GlobalOptions options_;
  EnvLookup env_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<HttpClient> client_;
  bool findings_exit_ = false;
};

// Status(kInternal, "invalid-response") for a server answer of the wrong shape.
Status InvalidResponse(std::string detail);

// InvalidArgument("usage") for a command line that parses but makes no sense.
Status UsageError(std::string detail);

}  // namespace aiip::cli
