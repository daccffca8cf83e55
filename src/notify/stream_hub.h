// StreamHub: fans committed events out to server-sent event streams (`/api/v1/stream`).
//
// One hub thread follows the event log by seq: whenever it is poked (after a write that
// appended events) or every poll interval (events committed by other nodes sharing the
// database), it reads the events after the last one it saw and pushes each to the streams
// whose filter accepts it. A new stream first gets, from the same thread, the events after
// the id it resumes from (`Last-Event-ID`), then the live ones, so nothing falls between
// replay and live delivery and every stream sees events in seq order. A stream that stops
// reading is dropped by the HTTP layer (bounded queue) and resumes on reconnect.
// Comment lines (": keepalive") every keepalive interval let clients and proxies see that
// an idle stream is alive. All methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/message.h"
#include "notify/event_log.h"

namespace aiip::notify {

struct StreamFilter {
  // Events addressed to this organisation or to everyone; nullopt = every event (admins).
  std::optional<std::string> recipient;
  // Only these kinds (exact match, or a prefix ending in ".", e.g. "vulnerability.");
  // empty = all kinds.
  std::vector<std::string> kinds;

  // Whether a stream with this filter gets `event` (never one with Event::stream unset).
  bool Accepts(const Event& event) const;
};

struct StreamHubOptions {
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds keepalive_interval{15000};
  size_t replay_limit = 10'000;  // events replayed to one new stream at most
};

class StreamHub {
 public:
  // `log` must outlive the hub. Starts the hub thread.
  StreamHub(const EventLog& log, StreamHubOptions options = {});
  // Stops the thread and closes every stream.
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // Tells the hub that events were committed; returns at once.
  void Poke();
  // Adds a stream: replays the accepted events with seq > `after` (nullopt = from the last
  // event committed now: one read of the log), then delivers live ones until the sink closes.
  void Subscribe(std::shared_ptr<http::StreamSink> sink, StreamFilter filter, std::optional<int64_t> after);
  // Streams currently attached.
  size_t StreamCount() const;
  // Ends every stream and the hub thread (idempotent); the destructor calls it.
  void Stop();

 private:
  struct Stream {
    std::shared_ptr<http::StreamSink> sink;
    StreamFilter filter;
    std::optional<int64_t> after;
  };
  void Run();
  void Replay(Stream& stream, int64_t upto);
  void Deliver(const std::vector<Event>& events);
  void KeepAlive();

  const EventLog& log_;
  const StreamHubOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::vector<Stream> joining_;  // guarded by mu_
  size_t live_count_ = 0;        // guarded by mu_ (for StreamCount)

  // Hub thread only.
  std::vector<Stream> live_;
  int64_t tail_ = 0;  // last seq delivered to live streams

  std::thread thread_;
};

}  // namespace aiip::notify
