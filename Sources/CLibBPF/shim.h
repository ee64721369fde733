#ifndef SFUNNELC_CLIBBPF_SHIM_H
#define SFUNNELC_CLIBBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#endif
