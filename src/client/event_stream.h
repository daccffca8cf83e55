// EventStreamParser: the client side of server-sent events — the WHATWG interpretation of a
// `text/event-stream` body (HTML Living Standard §9.2.6) for readers of a node's
// /api/v1/stream. Bytes are fed as they arrive, in pieces of any size; each event is handed
// over when the blank line that ends it arrives. It keeps the last event id (what a reader
// sends back as `Last-Event-ID` when it reconnects) and the server's `retry:` advice.
// Not thread-safe; one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace aiip::client {

struct ServerSentEvent {
  std::string id;                // the last event id in force when the event was dispatched
  std::string type = "message";  // the `event:` field, "message" when absent
  std::string data;              // the `data:` lines joined with "\n"
};

class EventStreamParser {
 public:
  // Lines longer than this are refused: a stream that never ends a line would otherwise
  // grow without bound.
  static constexpr size_t kMaxLineBytes = 8 << 20;

  // Consumes `bytes` and calls `on_event` for each event completed by them, in order.
  // Returns InvalidArgument("line-too-long") once a line exceeds kMaxLineBytes; the parser
  // must not be fed after an error.
  [[nodiscard]] Status Feed(std::string_view bytes,
                            const std::function<void(const ServerSentEvent&)>& on_event);

  // The id to resume from ("" before any `id:` field).
  const std::string& last_event_id() const { return last_event_id_; }
  // The reconnection delay the server asked for with `retry:`, if it did.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }

 private:
  Status Consume(std::string_view bytes, const std::function<void(const ServerSentEvent&)>& on_event);
  void Line(std::string_view line, const std::function<void(const ServerSentEvent&)>& on_event);

  std::string head_;  // the first bytes, until they are known not to be a byte-order mark
  std::string line_;
  bool after_cr_ = false;  // the previous piece ended in CR: a leading LF belongs to it
  bool started_ = false;
  std::string data_;
  std::string type_;
  std::string last_event_id_;
  std::optional<int64_t> retry_ms_;
};

}  // namespace aiip::client
