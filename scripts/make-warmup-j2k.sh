#!/usr/bin/env bash
# Writes src/main/imaging/warmupJ2k.ts: a synthetic 1024x1024 16-bit JPEG 2000 codestream the
# codecs decode once at warm-up (see that file). Needs python3 and opj_compress
# (apt-get install libopenjp2-tools). Not run by the build: its output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/w.pgm" <<'PY'
import random, struct, sys
random.seed(7)
w = h = 1024
data = bytearray()
for y in range(h):
    for x in range(w):
        data += struct.pack('>H', int(2000 + 1500 * ((x * y) % 97) / 97 + random.randint(0, 400)))
open(sys.argv[1], 'wb').write(b'P5\n%d %d\n65535\n' % (w, h) + bytes(data))
PY
opj_compress -i "$tmp/w.pgm" -o "$tmp/w.j2k" -I -n 3 -r 150 >/dev/null
b64=$(base64 -w0 "$tmp/w.j2k")
python3 - "$b64" <<'PY'
import sys, re
p = 'src/main/imaging/warmupJ2k.ts'
s = open(p).read()
s = re.sub(r"export const WARMUP_J2K_BASE64 =\n  '[^']*';", "export const WARMUP_J2K_BASE64 =\n  '" + sys.argv[1] + "';", s)
open(p, 'w').write(s)
PY
echo "wrote src/main/imaging/warmupJ2k.ts"
