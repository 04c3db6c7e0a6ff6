#pragma once
// Debian's cpp-httplib is a compiled library (libcpp-httplib.so) built with
// OpenSSL, zlib and Brotli support; its classes change layout with those
// macros, so every includer must define them exactly as the library was
// built (its pkg-config Cflags). Include this instead of <httplib.h>.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>
