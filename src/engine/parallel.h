// Deterministic parallel reductions for the engine.
//
// Floating-point addition is not associative, so a sum split across threads in a thread-count
// dependent way changes in the last bits. DeterministicSum cuts [0, n) into fixed-size blocks
// (independent of the number of threads), sums each block serially, and adds the block sums in
// order; the answer is bit-identical for any OMP_NUM_THREADS.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace clv::engine {

inline constexpr std::size_t kReductionBlock = 4096;

// Sums `dim` accumulators over i in [0, n): body(i, acc) adds row i's contribution into
// acc[0..dim). Parallel with OpenMP when n is large.
template <typename Body>
void DeterministicSum(std::size_t n, std::size_t dim, std::span<double> out, Body&& body) {
  const std::size_t blocks = (n + kReductionBlock - 1) / kReductionBlock;
  std::vector<double> partial(blocks * dim, 0.0);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (std::size_t blk = 0; blk < blocks; ++blk) {
    double* acc = partial.data() + blk * dim;
    const std::size_t end = std::min(n, (blk + 1) * kReductionBlock);
    for (std::size_t i = blk * kReductionBlock; i < end; ++i) body(i, acc);
  }
  for (std::size_t d = 0; d < dim; ++d) out[d] = 0.0;
  for (std::size_t blk = 0; blk < blocks; ++blk)
    for (std::size_t d = 0; d < dim; ++d) out[d] += partial[blk * dim + d];
}

}  // namespace clv::engine
