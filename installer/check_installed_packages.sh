#!/usr/bin/env bash
# Runs inside a fresh Debian 12 root (installer/test_packages.sh puts it in /root/kiln-check with the three
# .debs and tests/package): installs the packages with apt-get, resolving their Depends from the mirror, then
# checks that both programs work there. Each step prints PASS or FAIL; exit status 1 when any failed.
set -uo pipefail
cd /root/kiln-check
export DEBIAN_FRONTEND=noninteractive
sample=/usr/share/kiln/samples/kiln_sample.onnx
failures=0
step() {  # name command...
    local name=$1
    shift
    echo "== [in the root] $name"
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

install_packages() {
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends ./*.deb >apt.log 2>&1
    local status=$?
    tail -3 apt.log
    ((status == 0)) || { cat apt.log; return "$status"; }
    dpkg -l kiln kiln-workbench libkiln-dev | tail -3
}
step "apt-get install ./kiln_*.deb ./kiln-workbench_*.deb ./libkiln-dev_*.deb" install_packages \
    || { echo "check_installed_packages: the packages did not install"; exit 1; }

step "kiln --version" kiln --version
build_and_run() {
    kiln build "$sample" -o /tmp/sample.plan && kiln inspect /tmp/sample.plan >/tmp/inspect.out \
        && head -8 /tmp/inspect.out && kiln run /tmp/sample.plan --iterations 5
}
step "kiln build and run the sample model ($sample)" build_and_run
installed_files() {
    local missing=0
    for file in /usr/share/man/man1/kiln.1.gz /usr/share/man/man1/kiln-workbench.1.gz \
                /usr/share/applications/io.github.kiln.Workbench.desktop \
                /usr/share/metainfo/io.github.kiln.Workbench.metainfo.xml /usr/share/mime/packages/kiln.xml \
                /usr/share/icons/hicolor/scalable/apps/io.github.kiln.Workbench.svg \
                /usr/share/icons/hicolor/48x48/apps/io.github.kiln.Workbench.png \
                /usr/include/kiln/builder.h /usr/include/kiln/onnx_parser.h; do
        if [[ -f $file ]]; then echo "present: $file"; else echo "missing: $file"; missing=1; fi
    done
    return $missing
}
step "installed files" installed_files
mime_types() {
    # gio sniffs a file's type from the shared MIME database, by magic where the name says nothing.
    apt-get install -y -q --no-install-recommends shared-mime-info libglib2.0-bin >/dev/null || return 1
    cp /tmp/sample.plan /tmp/sample-plan-without-suffix
    local failed=0
    for expected in "/tmp/sample-plan-without-suffix application/x-kiln-plan" "/tmp/sample.plan application/x-kiln-plan" \
                    "$sample application/x-onnx"; do
        local file=${expected% *} type=${expected#* }
        local found
        found=$(gio info -a standard::content-type "$file" | sed -n 's/^ *standard::content-type: //p')
        echo "$file: $found"
        [[ $found == "$type" ]] || { echo "  expected $type"; failed=1; }
    done
    grep -l "application/x-kiln-plan" /usr/share/applications/mimeinfo.cache 2>/dev/null \
        || echo "(no desktop database: desktop-file-utils is not installed)"
    return $failed
}
step "MIME types of plans (by their magic) and ONNX models" mime_types
step "the outside program against libkiln-dev (find_package and pkg-config)" bash -c \
    "apt-get install -y -q --no-install-recommends g++ cmake make pkg-config >/dev/null \
     && package/check_installed_package.sh /usr /tmp/consumer $sample"
step "kiln-workbench starts offscreen on the sample model and quits" \
    env QT_QPA_PLATFORM=offscreen timeout 120 kiln-workbench --quit-after-load "$sample"
step "kiln-workbench builds the sample model offscreen and quits" \
    env QT_QPA_PLATFORM=offscreen timeout 300 kiln-workbench --build --quit-after-load "$sample"

if ((failures)); then
    echo "check_installed_packages: $failures step(s) failed"
    exit 1
fi
echo "check_installed_packages: every step passed"
