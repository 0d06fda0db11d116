#!/usr/bin/env bash
# Runs the WebGPU bench on a machine with a GPU: Dawn uses the system's Vulkan driver instead of
# SwiftShader, the GPU read bandwidth probe gives the GPU decode ceiling, and the wasm backend and
# llama.cpp run beside it for reference. Extra arguments go to `pnpm bench` (for example --quick or
# --runs 5). Prints the path of the JSON results as its last line, like `pnpm bench`.
#
# Needs: pnpm install done, the kernels built (`pnpm build`), and a Vulkan driver for the GPU. On NVIDIA
# machines the proprietary driver ships one; `vulkaninfo --summary` lists what Vulkan sees.
set -euo pipefail
cd "$(dirname "$0")/.."

# An inherited VK_ICD_FILENAMES (the test setup points it at SwiftShader) would hide the GPU.
unset VK_ICD_FILENAMES

exec pnpm bench --webgpu-driver system --runners webgpu,wasm,llama.cpp "$@"
