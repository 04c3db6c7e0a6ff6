#include "stream/pipeline/decode_worker.hpp"

#include <utility>

namespace rolewatch::stream {

void DecodeWorker::start(Job job) {
  thread_.start([this, job = std::move(job)] { job(decoder_); });
}

void DecodeWorker::wait() {
  thread_.wait();
}

}  // namespace rolewatch::stream
