#pragma once
// RocksDB's own log goes to the process log (spdlog), not to a LOG file in
// the state directory. On a full disk that file's writer fails first, and
// the next message RocksDB logs about the failure hits its "previous error"
// assertion (SIGABRT in Debian's build, which keeps assertions): the state
// volume must hold nothing that RocksDB writes outside its write path.
// Warnings and errors only; they pass the log formatter like any line.
#include <memory>

namespace rocksdb {
class Logger;
}

namespace rolewatch::state {

std::shared_ptr<rocksdb::Logger> make_rocksdb_logger();

}  // namespace rolewatch::state
