// Store::Open: picks the engine from the URL and assembles a DbStore over it.
#include "store/store.h"

#include <utility>

#include "store/db_store.h"
#include "store/migrate.h"
#include "store/postgres/postgres_connection.h"
#include "store/sqlite/sqlite_connection.h"

namespace aiip::store {
namespace {

template <typename Open>
ConnectionFactory Factory(Open open) {
  return [open = std::move(open)]() -> Result<std::unique_ptr<Connection>> {
    AIIP_ASSIGN_OR_RETURN(auto conn, open());
    return std::unique_ptr<Connection>(std::move(conn));
  };
}

constexpr std::string_view kConstraintPrefix = "constraint ";
constexpr std::string_view kConstraintSuffix = " violated: ";

}  // namespace

Status ConstraintViolation(std::string_view constraint, std::string_view message) {
  std::string detail(message);
  if (!constraint.empty()) {
    detail =
        std::string(kConstraintPrefix) + std::string(constraint) + std::string(kConstraintSuffix) + detail;
  }
  return Status(Code::kConflict, "constraint-violation", std::move(detail));
}

std::string_view ViolatedConstraint(const Status& status) {
  if (status.code() != Code::kConflict || status.type() != "constraint-violation") return {};
  std::string_view detail = status.detail();
  if (!detail.starts_with(kConstraintPrefix)) return {};
  detail.remove_prefix(kConstraintPrefix.size());
  size_t end = detail.find(kConstraintSuffix);
  return end == std::string_view::npos ? std::string_view() : detail.substr(0, end);
}

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options,
                                         std::span<const EmbeddedFile> migrations) {
  if (options.reader_connections < 1 || options.max_batch < 1) {
    return Err(
        InvalidArgument("invalid-store-options", "reader_connections and max_batch must be at least 1"));
  }
  std::string_view url = options.url;
  Dialect dialect;
  ConnectionFactory writer_factory, reader_factory;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    dialect = Dialect::kPostgres;
    writer_factory =
        Factory([u = options.url, t = options.busy_timeout] { return PostgresConnection::Open(u, t); });
    reader_factory = writer_factory;
  } else {
    std::string path(url.starts_with("sqlite:") ? url.substr(7) : url);
    // Each connection to ":memory:" would be a separate empty database, invisible to the
    // readers.
    if (path.empty() || path == ":memory:") {
      return Err(InvalidArgument("invalid-store-url",
                                 "the store needs a database file path, got \"" + options.url + "\""));
    }
    dialect = Dialect::kSqlite;
    writer_factory = Factory(
        [path, t = options.busy_timeout] { return SqliteConnection::Open(path, SqliteRole::kWriter, t); });
    reader_factory = Factory(
        [path, t = options.busy_timeout] { return SqliteConnection::Open(path, SqliteRole::kReader, t); });
  }
  AIIP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, writer_factory());
  AIIP_ASSIGN_OR_RETURN(int64_t version, Migrate(*writer, migrations, options.apply_migrations));
  AIIP_ASSIGN_OR_RETURN(std::unique_ptr<DbStore> store,
                        DbStore::Start(dialect, options, std::move(writer_factory), std::move(reader_factory),
                                       std::move(writer), version));
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  return OpenStore(options, EmbeddedMigrations());
}

}  // namespace aiip::store
