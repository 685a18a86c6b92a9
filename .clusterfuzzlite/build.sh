#!/bin/bash -eu
# SPDX-License-Identifier: LGPL-2.1-or-later
# ClusterFuzzLite / OSS-Fuzz: build the library and drivers with the
# engine's $CC/$CFLAGS, then each target in fuzz/ with $LIB_FUZZING_ENGINE,
# and zip each seed corpus as <target>_seed_corpus.zip.
make -j"$(nproc)" B=build-oss CC="$CC" CFLAGS="$CFLAGS -O1 -g" \
	build-oss/libpcilab.a $(ls drivers/*/*.c | sed 's#^#build-oss/#; s#\.c$#.o#')
LIBS="$(pkg-config --libs liburcu-memb libdw) -lpthread"
for t in scenario dump ops; do
	$CC $CFLAGS -Iinclude -c fuzz/fuzz-$t.c -o build-oss/fuzz-$t.o
	$CXX $CXXFLAGS $LIB_FUZZING_ENGINE build-oss/fuzz-$t.o \
		$(ls build-oss/drivers/*/*.o) build-oss/libpcilab.a $LIBS \
		-o "$OUT/fuzz-$t"
	(cd fuzz/corpus/$t && zip -q -r "$OUT/fuzz-${t}_seed_corpus.zip" .)
done
