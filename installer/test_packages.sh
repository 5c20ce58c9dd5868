#!/usr/bin/env bash
# Builds Kiln's three Debian packages (kiln, kiln-workbench, libkiln-dev) and checks them the way a user of a
# new Debian 12 machine would meet them:
#   1. configures a build folder of its own (CUDA off, so that the packages install where there is no CUDA;
#      /usr prefix), builds what the packages hold and runs `cpack -G DEB`;
#   2. checks the package metadata: lintian on the .debs (every tag it reports must be one that
#      installer/lintian-notes.md explains), desktop-file-validate on the desktop entry, appstreamcli on the
#      AppStream metadata, xmllint on the MIME types;
#   3. copies a fresh Debian 12 minbase root (made once with debootstrap and cached, as
#      shared/tools/fresh-debian-check does), installs the three packages there with `apt-get install ./*.deb`
#      (their Depends come from the Debian mirror) and runs installer/check_installed_packages.sh inside it:
#      `kiln --version`, a build and a run of the sample model, an outside program built against libkiln-dev
#      with find_package(Kiln) and with pkg-config, and the workbench started offscreen on the sample model.
# Each step prints PASS or FAIL; the exit status is 1 when any failed, 2 when the script cannot run at all.
# Run it as root (it uses chroot and bind mounts), from anywhere in the repository:
#   installer/test_packages.sh 2>&1 | tee test_packages.log
# KILN_PACKAGE_CONTACT sets the packages' maintainer ("Name <address>"; default "Kiln developers", which lintian
# reports, see installer/lintian-notes.md), KILN_PACKAGE_BUILD_DIR the build folder (default build-package),
# FRESH_BASE the cached root (default ~/.cache/fresh-debian/rootfs); KEEP_ROOT=1 keeps the root it installed
# into, for a look inside.
set -uo pipefail
cd "$(dirname "$0")/.."
source_dir=$(pwd)
build_dir=${KILN_PACKAGE_BUILD_DIR:-build-package}
base=${FRESH_BASE:-$HOME/.cache/fresh-debian/rootfs}

failures=0
step() {  # name command...: runs a step, its output indented, and says how it ended
    local name=$1
    shift
    echo "== $name"
    "$@" 2>&1 | sed -u 's/^/   /'
    local status=${PIPESTATUS[0]}
    if ((status == 0)); then
        echo "PASS $name"
    else
        echo "FAIL $name (exit status $status)"
        failures=$((failures + 1))
    fi
    return "$status"
}

if (($(id -u) != 0)); then
    echo "installer/test_packages.sh: run it as root: it installs into a Debian root with chroot" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
missing=()
for tool in cmake:cmake ninja:ninja-build cpack:cmake dpkg-shlibdeps:dpkg-dev lintian:lintian \
            desktop-file-validate:desktop-file-utils appstreamcli:appstream xmllint:libxml2-utils \
            debootstrap:debootstrap; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
    echo "== installing ${missing[*]}"
    apt-get install -y -q "${missing[@]}" >/dev/null || { echo "cannot install ${missing[*]}" >&2; exit 2; }
fi

# 1. The packages.
configure() {
    cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_BUILD_GUI=ON \
        -DKILN_ENABLE_CUDA=OFF -DKILN_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr \
        "-DKILN_PACKAGE_CONTACT=${KILN_PACKAGE_CONTACT:-Kiln developers}"
}
build() {
    cmake --build "$build_dir" -j "$(nproc)" --target kiln kiln_onnx kiln_caffe kiln_cli kiln_workbench \
        kiln_package_files
}
package() {
    rm -f "$build_dir"/*.deb
    (cd "$build_dir" && cpack -G DEB) || return 1
    ls -l "$build_dir"/*.deb
    for deb in "$build_dir"/*.deb; do
        echo "--- $(basename "$deb")"
        dpkg-deb --field "$deb" Package Version Architecture Depends Recommends Suggests Section Installed-Size
    done
}
step "configure $build_dir" configure && step "build" build && step "cpack -G DEB" package \
    || { echo "no packages to check: $failures step(s) failed"; exit 1; }
debs=("$build_dir"/kiln_*.deb "$build_dir"/kiln-workbench_*.deb "$build_dir"/libkiln-dev_*.deb)
for deb in "${debs[@]}"; do
    [[ -f $deb ]] || { echo "FAIL cpack made no $deb"; exit 1; }
done

# 2. Metadata.
lint() {
    # The tags installer/lintian-notes.md explains: the backquoted name at the start of each list item.
    local explained
    explained=$(sed -n 's/^- `\([a-z0-9-]*\)`.*/\1/p' "$source_dir/installer/lintian-notes.md" | sort -u)
    lintian --tag-display-limit 0 --info "${debs[@]}" | tee "$build_dir/lintian.log"
    local unexplained
    unexplained=$(sed -n 's/^[EWIPX]: [^ ]*: \([a-z0-9-]*\).*/\1/p' "$build_dir/lintian.log" | sort -u \
        | comm -23 - <(echo "$explained"))
    if [[ -n $unexplained ]]; then
        echo "tags that installer/lintian-notes.md does not explain: $unexplained"
        return 1
    fi
    echo "every tag reported is explained in installer/lintian-notes.md"
}
step "lintian" lint
step "desktop-file-validate" desktop-file-validate "$source_dir/installer/io.github.kiln.Workbench.desktop"
step "appstreamcli validate" appstreamcli validate --no-net "$source_dir/installer/io.github.kiln.Workbench.metainfo.xml"
step "MIME types are well-formed XML" xmllint --noout "$source_dir/installer/kiln-mime.xml"

# 3. A fresh Debian 12 root.
make_base() {
    [[ -d $base ]] && return 0
    local mirror
    mirror=$(grep -m1 '^URIs' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}')
    mkdir -p "$(dirname "$base")" && debootstrap --variant=minbase bookworm "$base" $mirror
}
step "fresh Debian 12 root ($base)" make_base || { echo "$failures step(s) failed"; exit 1; }
root=$(mktemp -d "$(dirname "$base")/packages.XXXX")
cleanup() {
    for mount in dev/pts dev sys proc; do umount "$root/$mount" 2>/dev/null; done
    if [[ ${KEEP_ROOT:-0} == 1 ]]; then echo "the root is kept in $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
prepare_root() {
    cp -a "$base/." "$root/" || return 1
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        rm -f "$root/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
    fi
    cp /etc/resolv.conf "$root/etc/"
    mkdir -p "$root/root/kiln-check" && cp "${debs[@]}" "$root/root/kiln-check/" \
        && cp -r "$source_dir/tests/package" "$root/root/kiln-check/package" \
        && cp "$source_dir/installer/check_installed_packages.sh" "$root/root/kiln-check/" || return 1
    for mount in proc sys dev dev/pts; do mount --bind "/$mount" "$root/$mount" || return 1; done
}
step "copy of the root with the packages in /root/kiln-check" prepare_root || { echo "$failures step(s) failed"; exit 1; }
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/bash /root/kiln-check/check_installed_packages.sh
}
in_root
status=$?
if ((status != 0)); then failures=$((failures + 1)); fi

echo
if ((failures)); then
    echo "test_packages: $failures step(s) failed"
    exit 1
fi
echo "test_packages: every step passed"
