/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-cmdline.h"
#include "hg-firmware.h"

G_BEGIN_DECLS

/* Calls go one way: hg-cmdline-builder.c (escaping, checks, the builder) <-
 * hg-cmdline-machine.c (per-arch and per-board tables; machine, identity,
 * runtime and display options) <- hg-cmdline-devices.c (disks, media, boot
 * order, NICs) <- hg-cmdline.c (accelerator, hg_cmdline_build). */

typedef enum {
  BOOT_BY_ORDER,   /* firmware honours -boot order= (SeaBIOS, OpenBIOS) */
  BOOT_BY_INDEX,   /* firmware honours bootindex= (UEFI, SLOF) */
  BOOT_BY_NONE,    /* the board boots a -kernel or its own ROM only */
} HgCmdlineBootStyle;

typedef enum {
  VIRTIO_NONE,
  VIRTIO_PCI,
  VIRTIO_MMIO,
  VIRTIO_CCW,      /* s390x channel I/O: virtio-*-ccw */
} HgCmdlineVirtioKind;

typedef struct {
  const char *arch;
  const char *machine;      /* default machine */
  const char *cpu_tcg;      /* default -cpu under TCG (NULL: QEMU's) */
  const char *disk_if;      /* default disk interface */
  const char *nic_model;    /* default NIC */
} HgCmdlineArchInfo;

typedef struct {
  const char *arches;       /* space-separated, padded: " arm aarch64 " */
  const char *machine;
  gboolean    pci;          /* PCI bus: virtio-*-pci, qemu-xhci */
  gboolean    ide;          /* an IDE/SATA bus on board */
  gboolean    floppy;       /* a floppy controller (or one can be added) */
  const char *fdc_device;   /* controller to add for a floppy, or NULL */
  const char *scsi_ctrl;    /* SCSI controller to add, NULL: on board */
  HgCmdlineVirtioKind virtio;
  HgCmdlineBootStyle boot;
  const char *vga;          /* default -vga, "virtio-gpu-pci" (-device), NULL none */
  gboolean    nic_onboard;  /* NIC is not user-creatable: -net nic,netdev= */
  gboolean    usb_kbd;      /* graphical consoles need a USB keyboard */
  gboolean    usb_tablet;   /* absolute pointer for VNC */
  guint       serial_index; /* which serial port the Linux console uses */
  guint       max_cpus;     /* 0: not checked here */
  guint       max_mem_mib;  /* 0: not checked here */
  guint       mem_align_mib;
  /* IDE buses ide.0 … ide.N-1 and units on each, as QEMU's qtree of the
   * board shows them (q35's AHCI: six ports of one unit; PIIX: two buses
   * of two).  Every ide-hd/ide-cd gets bus= and unit=: without them QEMU
   * puts them all on ide.0, which holds one device on q35. */
  guint       ide_buses;
  guint       ide_units;
} HgCmdlineBoardInfo;

/* The builder: argv plus the context needed for errors */
typedef struct {
  HgVmConfig               *config;
  const HgHostCaps         *caps;
  const HgRuntimePaths     *runtime;
  const HgVmImages         *images;     /* checked chains, or NULL */
  const HgCmdlineArchInfo  *arch;
  const HgCmdlineBoardInfo *board;
  const char               *machine;
  HgBootMode                boot_mode;
  HgAccel                   accel;
  GPtrArray                *argv;
  GError                  **error;
  gboolean                  scsi_added;
  gboolean                  usb_added;
  gboolean                  fdc_added;
  guint                     ide_next;      /* next free IDE slot (bus * units + unit) */
  guint                     next_bootindex;
  HgCmdlineArchInfo         generic_arch;  /* b->arch for an arch without defaults */
  const HgFirmware         *firmware;      /* UEFI from a descriptor, or NULL (BIOS) */
  HgCmdlineBoardInfo        uefi_board;    /* b->board under UEFI: boots by bootindex */
  HgCmdlineArchInfo         guest_arch;    /* b->arch with the guest OS's device defaults */
} HgCmdlineBuilder;

/* hg-cmdline-builder.c: the builder */
void        _hg_cmdline_add         (HgCmdlineBuilder *b, const char *arg);
void        _hg_cmdline_add2        (HgCmdlineBuilder *b, const char *opt, const char *value);
void        _hg_cmdline_add_printf  (HgCmdlineBuilder *b, const char *opt, const char *format, ...)
                                    G_GNUC_PRINTF (3, 4);
/* Sets b->error (code, naming key) and returns FALSE. */
gboolean    _hg_cmdline_fail        (HgCmdlineBuilder *b, int code, const char *key,
                                     const char *format, ...)
                                    G_GNUC_PRINTF (4, 5);
gboolean    _hg_cmdline_has_control_chars (const char *s);
gboolean    _hg_cmdline_is_word     (const char *s, const char *extra);
char       *_hg_cmdline_resolve_path (HgCmdlineBuilder *b, const char *key, const char *path);
char       *_hg_cmdline_group_key   (const char *group, guint index, const char *key);

/* hg-cmdline-machine.c */
const HgCmdlineArchInfo  *_hg_cmdline_arch_info  (const char *arch);
const HgCmdlineBoardInfo *_hg_cmdline_board_info (const char *arch, const char *machine);
/* For a board QEMU offers but Hangar has no defaults for: no buses assumed,
 * the NIC on board, QEMU's own default display */
const HgCmdlineBoardInfo *_hg_cmdline_generic_board (void);
gboolean    _hg_cmdline_add_machine  (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_identity (HgCmdlineBuilder *b);
void        _hg_cmdline_add_runtime  (HgCmdlineBuilder *b);
void        _hg_cmdline_ensure_usb   (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_display  (HgCmdlineBuilder *b);

/* hg-cmdline-devices.c */
gboolean    _hg_cmdline_add_disks    (HgCmdlineBuilder *b);
/* ",bus=ide.N,unit=U" of the next free IDE slot, or NULL (b->error set,
 * naming key) when the board's IDE buses are full */
char       *_hg_cmdline_ide_slot     (HgCmdlineBuilder *b, const char *key);
gboolean    _hg_cmdline_add_media    (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_check_boot_needs (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_boot     (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_nics     (HgCmdlineBuilder *b, gboolean vdeq);
gboolean    _hg_cmdline_config_wants_vdeq (HgVmConfig *c);
/* -blockdev nodes of one image: the checked chain, or (NULL: display
 * only) path alone in format; the top node is id */
gboolean    _hg_cmdline_add_image    (HgCmdlineBuilder *b, const char *key, const char *id,
                                      const char *path, const char *format,
                                      const HgDiskImageInfo *chain, gboolean read_only);

/* hg-cmdline-shares.c: [share:N] as 9p or virtiofs (hg-share.h) */
gboolean    _hg_cmdline_add_shares   (HgCmdlineBuilder *b);

/* hg-cmdline-firmware.c: UEFI (pflash) from the descriptors, the TPM */
gboolean    _hg_cmdline_resolve_firmware (HgCmdlineBuilder *b);
/* ",pflash0=...,pflash1=...,smm=on" for -machine, or "" */
char       *_hg_cmdline_firmware_machine_props (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_firmware (HgCmdlineBuilder *b);
gboolean    _hg_cmdline_add_tpm      (HgCmdlineBuilder *b);

/* hg-cmdline-guest.c: what the guest OS changes (Windows: Hyper-V
 * enlightenments under KVM, RTC in local time, SATA and e1000e) */
gboolean    _hg_cmdline_guest_is_windows (HgVmConfig *c);
void        _hg_cmdline_adapt_to_guest   (HgCmdlineBuilder *b);
/* ",hv_relaxed,..." for -cpu, or "" */
char       *_hg_cmdline_guest_cpu_flags  (HgCmdlineBuilder *b);
void        _hg_cmdline_add_guest_clock  (HgCmdlineBuilder *b);

G_END_DECLS
