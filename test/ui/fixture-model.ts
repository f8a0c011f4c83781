import type { ImageModel } from "../../src/model/image-model.js";
import { modelOf } from "../model/helpers.js";

/**
 * A small image with every case the tree must show: additions, a modification, a whiteout, an
 * opaque directory, symlinks and a hardlink, files overwritten or deleted later, and empty-layer
 * history entries between layers.
 */
export function sampleModel(layersRead = 3): ImageModel {
  return modelOf(
    (
      [
        [
          { name: "bin/", type: "dir" },
          { name: "bin/sh", content: "shell", size: 120_000, mode: 0o755 },
          { name: "bin/ls", content: "ls", size: 80_000, mode: 0o755 },
          { name: "etc/", type: "dir" },
          { name: "etc/passwd", content: "root:x:0:0" },
          { name: "etc/hosts", content: "127.0.0.1 localhost" },
          { name: "usr/lib/libc.so.6", content: "libc", size: 2_000_000 },
          { name: "usr/lib/libm.so.6", content: "libm", size: 500_000 },
          { name: "lib", type: "symlink", link: "usr/lib" },
          { name: "var/cache/apt/pkgcache.bin", content: "cache", size: 5_000_000 },
          { name: "tmp/", type: "dir", mode: 0o1777 },
        ],
        [
          { name: "etc/passwd", content: "root:x:0:0\napp:x:1000:1000", uid: 0, gid: 0 },
          { name: "var/cache/apt/.wh.pkgcache.bin" },
          { name: "usr/local/bin/app", content: "app", size: 3_000_000, mode: 0o755, uid: 1000, gid: 1000 },
          { name: "usr/local/bin/app-link", type: "hardlink", link: "usr/local/bin/app" },
        ],
        [
          { name: "etc/.wh.hosts" },
          { name: "usr/lib/.wh..wh..opq" },
          { name: "usr/lib/libc.so.6", content: "libc2", size: 2_100_000 },
          { name: "tmp/build.log", content: "log", size: 40_000 },
        ],
      ] as Parameters<typeof modelOf>[0]
    ).map((layer, i) => (i < layersRead ? layer : [])),
    [
      { created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
      { created_by: "/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin", empty_layer: true },
      { created_by: "/bin/sh -c apt-get update && rm /var/cache/apt/pkgcache.bin && install-app" },
      { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      { created_by: "RUN /bin/sh -c rm /etc/hosts && rebuild-libs # buildkit" },
      { created_by: "/bin/sh -c #(nop)  USER app", empty_layer: true },
    ],
  );
}
