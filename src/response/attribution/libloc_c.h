// libloc's C API for C++: only libloc.h itself declares its functions extern "C", so every
// header of libloc is included here inside one extern "C" block.
#pragma once

extern "C" {
#include <libloc/libloc.h>
// Included after libloc.h: they rely on its declarations.
#include <libloc/as.h>
#include <libloc/country.h>
#include <libloc/database.h>
#include <libloc/format.h>
#include <libloc/network.h>
#include <libloc/writer.h>
}
