/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-cmdline.h"
#include "hg-firmware.h"

G_BEGIN_DECLS

/* Shared by hg-cmdline.c (escaping, checks, the builder, accelerator,
 * hg_cmdline_build), hg-cmdline-machine.c (per-arch and per-board tables;
 * machine, identity, runtime and display options) and hg-cmdline-devices.c
 * (disks, media, boot order, NICs). */

typedef enum {
  BOOT_BY_ORDER,   /* firmware honours -boot order= (SeaBIOS, OpenBIOS) */
  BOOT_BY_INDEX,   /* firmware honours bootindex= (UEFI, SLOF) */
  BOOT_BY_NONE,    /* the board boots a -kernel or its own ROM only */
} BootStyle;

typedef enum {
  VIRTIO_NONE,
  VIRTIO_PCI,
  VIRTIO_MMIO,
  VIRTIO_CCW,      /* s390x channel I/O: virtio-*-ccw */
} VirtioKind;

typedef struct {
  const char *arch;
  const char *machine;      /* default machine */
  const char *cpu_tcg;      /* default -cpu under TCG (NULL: QEMU's) */
  const char *disk_if;      /* default disk interface */
  const char *nic_model;    /* default NIC */
} ArchInfo;

typedef struct {
  const char *arches;       /* space-separated, padded: " arm aarch64 " */
  const char *machine;
  gboolean    pci;          /* PCI bus: virtio-*-pci, qemu-xhci */
  gboolean    ide;          /* an IDE/SATA bus on board */
  gboolean    floppy;       /* a floppy controller (or one can be added) */
  const char *fdc_device;   /* controller to add for a floppy, or NULL */
  const char *scsi_ctrl;    /* SCSI controller to add, NULL: on board */
  VirtioKind  virtio;
  BootStyle   boot;
  const char *vga;          /* default -vga, "virtio-gpu-pci" (-device), NULL none */
  gboolean    nic_onboard;  /* NIC is not user-creatable: -net nic,netdev= */
  gboolean    usb_kbd;      /* graphical consoles need a USB keyboard */
  gboolean    usb_tablet;   /* absolute pointer for VNC */
  guint       serial_index; /* which serial port the Linux console uses */
  guint       max_cpus;     /* 0: not checked here */
  guint       max_mem_mib;  /* 0: not checked here */
  guint       mem_align_mib;
} BoardInfo;

/* The builder: argv plus the context needed for errors */
typedef struct {
  HgVmConfig         *config;
  const HgHostCaps   *caps;
  const HgRuntimePaths *runtime;
  const HgVmImages   *images;     /* checked chains, or NULL */
  const ArchInfo     *arch;
  const BoardInfo    *board;
  const char         *machine;
  HgBootMode          boot_mode;
  HgAccel             accel;
  GPtrArray          *argv;
  GError            **error;
  gboolean            scsi_added;
  gboolean            usb_added;
  gboolean            fdc_added;
  guint               next_bootindex;
  ArchInfo            generic_arch;  /* b->arch for an arch without defaults */
  const HgFirmware   *firmware;      /* UEFI from a descriptor, or NULL (BIOS) */
  BoardInfo           uefi_board;    /* b->board under UEFI: boots by bootindex */
  ArchInfo            guest_arch;    /* b->arch with the guest OS's device defaults */
} Builder;

/* hg-cmdline.c: the builder */
void        hg_cmdline_add2        (Builder *b, const char *opt, const char *value);
void        hg_cmdline_add_printf  (Builder *b, const char *opt, const char *format, ...)
                                    G_GNUC_PRINTF (3, 4);
/* Sets b->error (code, naming key) and returns FALSE. */
gboolean    hg_cmdline_fail        (Builder *b, int code, const char *key, const char *format, ...)
                                    G_GNUC_PRINTF (4, 5);
gboolean    hg_cmdline_has_control_chars (const char *s);
gboolean    hg_cmdline_is_word     (const char *s, const char *extra);
char       *hg_cmdline_resolve_path (Builder *b, const char *key, const char *path);
char       *hg_cmdline_group_key   (const char *group, guint index, const char *key);

/* hg-cmdline-machine.c */
const ArchInfo  *hg_cmdline_arch_info  (const char *arch);
const BoardInfo *hg_cmdline_board_info (const char *arch, const char *machine);
/* For a board QEMU offers but Hangar has no defaults for: no buses assumed,
 * the NIC on board, QEMU's own default display */
const BoardInfo *hg_cmdline_generic_board (void);
gboolean    hg_cmdline_add_machine  (Builder *b);
gboolean    hg_cmdline_add_identity (Builder *b);
void        hg_cmdline_add_runtime  (Builder *b);
void        hg_cmdline_ensure_usb   (Builder *b);
gboolean    hg_cmdline_add_display  (Builder *b);

/* hg-cmdline-devices.c */
gboolean    hg_cmdline_add_disks    (Builder *b);
gboolean    hg_cmdline_add_media    (Builder *b);
gboolean    hg_cmdline_check_boot_needs (Builder *b);
gboolean    hg_cmdline_add_boot     (Builder *b);
gboolean    hg_cmdline_add_nics     (Builder *b, gboolean vdeq);
gboolean    hg_cmdline_config_wants_vdeq (HgVmConfig *c);
/* -blockdev nodes of one image: the checked chain, or (NULL: display
 * only) path alone in format; the top node is id */
gboolean    hg_cmdline_add_image    (Builder *b, const char *key, const char *id,
                                     const char *path, const char *format,
                                     const HgDiskImageInfo *chain, gboolean read_only);

/* hg-cmdline-shares.c: [share:N] as 9p or virtiofs (hg-share.h) */
gboolean    hg_cmdline_add_shares   (Builder *b);

/* hg-cmdline-firmware.c: UEFI (pflash) from the descriptors, the TPM */
gboolean    hg_cmdline_resolve_firmware (Builder *b);
/* ",pflash0=...,pflash1=...,smm=on" for -machine, or "" */
char       *hg_cmdline_firmware_machine_props (Builder *b);
gboolean    hg_cmdline_add_firmware (Builder *b);
gboolean    hg_cmdline_add_tpm      (Builder *b);

/* hg-cmdline-guest.c: what the guest OS changes (Windows: Hyper-V
 * enlightenments under KVM, RTC in local time, SATA and e1000e) */
gboolean    hg_cmdline_guest_is_windows (HgVmConfig *c);
void        hg_cmdline_adapt_to_guest   (Builder *b);
/* ",hv_relaxed,..." for -cpu, or "" */
char       *hg_cmdline_guest_cpu_flags  (Builder *b);
void        hg_cmdline_add_guest_clock  (Builder *b);

G_END_DECLS
