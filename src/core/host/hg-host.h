/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hg-qemu-caps.h"

G_BEGIN_DECLS

/* One installed system emulator */
typedef struct {
  char     *arch;        /* x86_64, aarch64, ... (Hangar's arch names) */
  char     *path;        /* absolute path of qemu-system-<arch> */
  char     *version;     /* "7.2.19" or NULL if --version failed */
  gboolean  sandbox;     /* supports -sandbox (built with seccomp) */
} HgEmulator;

/* What this host can do.  Filled by hg_host_caps_probe(); tests and the
 * golden-file test construct one by hand with hg_host_caps_new_fixed(). */
typedef struct {
  gint        ref_count;
  char       *host_arch;       /* uname machine in Hangar's naming */
  gboolean    kvm_usable;      /* KVM really runs a guest here (probed) */
  char       *kvm_reason;      /* why not, or how it was established */
  gboolean    force_tcg;       /* HANGAR_ACCEL=tcg */
  GHashTable *emulators;       /* arch -> HgEmulator* */
  char       *qemu_img;        /* path or NULL */
  char       *qemu_img_version;
  char       *vde_switch;      /* path or NULL */
  char       *vdeq;            /* path or NULL */
  char       *helper;          /* hangar-net-helper path or NULL */
  char       *pkexec;          /* path or NULL */
  /* Added by hg-host.c (keep the fields above in place): */
  char       *vdeq_wrapper;    /* hangar-vdeq-qemu (libexec) or NULL, see docs/DESIGN.md */
  GPtrArray  *firmwares;       /* HgFirmware*: QEMU's firmware descriptors
                                * (hg-firmware.h), ordered by file name */
  GHashTable *qemu_caps;       /* arch -> HgQemuCaps*: what each emulator offers
                                * (hg-qemu-caps.h); read from the cache on first
                                * use: use hg_host_caps_get_qemu_caps() */
  GHashTable *qemu_caps_looked; /* arches already looked up in the cache */
  GMutex      qemu_caps_lock;   /* guards the two above (any thread) */
  guint       kvm_hyperv;       /* HgHostHyperv: the Hyper-V enlightenments KVM offers */
} HgHostCaps;

/* The Hyper-V enlightenments of KVM a Windows guest gets (QEMU refuses to
 * start when one is asked for that the kernel lacks) */
typedef enum {
  HG_HOST_HYPERV_BASE    = 1 << 0,  /* KVM_CAP_HYPERV: relaxed, runtime, reset, frequencies */
  HG_HOST_HYPERV_VAPIC   = 1 << 1,
  HG_HOST_HYPERV_SPIN    = 1 << 2,
  HG_HOST_HYPERV_TIME    = 1 << 3,
  HG_HOST_HYPERV_VPINDEX = 1 << 4,
  HG_HOST_HYPERV_SYNIC   = 1 << 5,
  HG_HOST_HYPERV_TLBFLUSH = 1 << 6,
  HG_HOST_HYPERV_IPI     = 1 << 7,
  HG_HOST_HYPERV_ALL     = (1 << 8) - 1,
} HgHostHyperv;

/* The -sandbox option Hangar passes (and probes) when the emulator has seccomp. */
#define HG_HOST_SANDBOX_OPTIONS \
  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* Every arch Hangar knows, NULL-terminated, in display order: the arches
 * that Hangar has defaults for (hg-cmdline-machine.c), then every other
 * target whose qemu-system-<target> is installed (hg_qemu_caps_find_emulators(),
 * read once).  An arch is QEMU's target name. */
const char * const *hg_host_known_arches (void);
gboolean    hg_host_arch_is_known       (const char *arch);
/* A known arch, or Debian's name of one (amd64, arm64, armhf, ppc64el ...),
 * as Hangar's arch name; NULL if it names none. */
const char *hg_host_arch_canonical      (const char *name);
/* The QEMU binary suffix for an arch (mipsel -> mipsel, i386 -> i386 ...) */
const char *hg_host_emulator_name       (const char *arch);

/* Probes the host: every qemu-system-<target> (hg_qemu_caps_find_emulators()),
 * their versions and what each offers as far as cached (qemu_caps),
 * qemu-img, vde tools, and whether KVM really works (see docs/DESIGN.md:
 * a KVM_RUN of a few instructions in a child process, with a timeout,
 * cached per boot).  Never fails; missing things are NULL/FALSE. */
HgHostCaps *hg_host_caps_probe          (void);
/* A fixed set of caps for pure functions and golden files: every known
 * arch present as /usr/bin/qemu-system-<arch>, sandbox supported, KVM as
 * given for the host arch x86_64. */
HgHostCaps *hg_host_caps_new_fixed      (gboolean kvm_usable);
HgHostCaps *hg_host_caps_ref            (HgHostCaps *caps);
void        hg_host_caps_unref          (HgHostCaps *caps);

const HgEmulator *hg_host_caps_get_emulator (const HgHostCaps *caps, const char *arch);
/* KVM can run a guest of this arch here (host arch matches, or i386 on
 * x86_64), it was probed working, and TCG is not forced. */
gboolean    hg_host_caps_kvm_usable_for (const HgHostCaps *caps, const char *arch);
/* What the emulator of an arch offers, or NULL when its answer is not
 * cached yet (hg_host_caps_probe() reads the cache only; the probe itself
 * is hg_qemu_caps_probe_async()). */
const HgQemuCaps *hg_host_caps_get_qemu_caps (const HgHostCaps *caps, const char *arch);
/* Asks every emulator whose capabilities are not cached yet (QMP, see
 * hg-qemu-caps.h) and fills caps->qemu_caps.  Blocks for up to a few
 * seconds on a first run: only in a worker thread, before caps is shared. */
void        hg_host_caps_probe_qemu     (HgHostCaps *caps);
/* Sets (or with NULL drops) the capabilities of an arch's emulator */
void        hg_host_caps_set_qemu_caps  (HgHostCaps *caps, const char *arch, HgQemuCaps *qemu_caps);
/* The UEFI code image for an arch's disk boot on a board whose own
 * firmware cannot boot disks (aarch64 virt: AAVMF_CODE.fd, without stored
 * variables), from the descriptors, or NULL. */
const char *hg_host_caps_get_firmware (const HgHostCaps *caps, const char *arch);

/* The KVM probe alone: /dev/kvm openable, then a forked child runs a
 * real-mode guest loop under KVM_RUN and must exit through an I/O port
 * within 1.5 s, else it is killed.  The verdict is cached in
 * <cache_root>/host-cache.ini keyed by boot id and kernel release
 * (cache_root NULL: no cache).  *reason says why (or how it was shown). */
gboolean    hg_host_probe_kvm           (const char *cache_root, char **reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgHostCaps, hg_host_caps_unref)

G_END_DECLS
