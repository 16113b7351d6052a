/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hg-disk-image.h"
#include "hg-enums.h"
#include "hg-firmware.h"
#include "hg-host.h"
#include "hg-runtime.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

#define HG_CMDLINE_ERROR (hg_cmdline_error_quark ())

typedef enum {
  HG_CMDLINE_ERROR_NO_EMULATOR,   /* qemu-system-<arch> not installed */
  HG_CMDLINE_ERROR_UNSUPPORTED,   /* arch or boot mode cannot do this */
  HG_CMDLINE_ERROR_MISSING,       /* boot mode needs something the config lacks */
  HG_CMDLINE_ERROR_INVALID,       /* a value that cannot be passed safely */
} HgCmdlineError;

GQuark hg_cmdline_error_quark (void);

/* QEMU's QMP sockets are bound by Hangar (hg_process_listen_qmp) and handed
 * to QEMU as these file descriptors: qmp.sock (the window's), qmp-ctl.sock
 * (one-shot clients such as hangarctl).  The argv names the numbers
 * ("-chardev socket,id=qmp0,fd=3,server=on,wait=off"), so whoever runs it
 * must put the listening sockets there. */
#define HG_CMDLINE_QMP_FD      3
#define HG_CMDLINE_QMP_CTL_FD  4

/* The default QEMU machine type for an arch (x86_64 -> "q35" ...). */
const char *hg_cmdline_default_machine (const char *arch);

/* The accelerator that will be used: KVM if asked (or auto) and usable for
 * the arch, else TCG.  Asking for kvm where it is not usable is an error. */
gboolean    hg_cmdline_choose_accel    (HgVmConfig        *config,
                                        const HgHostCaps  *caps,
                                        HgAccel           *out_accel,
                                        GError           **error);

/* Pure: turns a config plus a boot mode into QEMU's argv (argv[0] is the
 * emulator path from caps, or "vdeq" followed by it when the config asks
 * for the manual's vdeqemu).  No I/O, no environment look-ups: everything
 * comes from the arguments.  Every value is checked and comma-escaped so
 * that nothing can add an option.  Returns NULL with an error otherwise.
 *
 * Images are an explicit node graph (-blockdev per file and per format
 * layer, the device on the top node), so that QEMU opens no file Hangar
 * did not name and never probes a format.  images are the chains checked
 * by hg_vm_images_check() (a start does that first); NULL (a display
 * before anything was checked) gives each image alone, without its
 * backing file ("backing": null). */
GStrv       hg_cmdline_build           (HgVmConfig            *config,
                                        HgBootMode             boot_mode,
                                        const HgRuntimePaths  *runtime,
                                        const HgHostCaps      *caps,
                                        const HgVmImages      *images,
                                        GError               **error);

/* The -blockdev / blockdev-add nodes of one checked image, bottom first:
 * per layer a file node ("<id>-b<k>-file", "<id>-file" for the top) and a
 * format node ("<id>-b<k>", id for the top) whose "backing" is the next
 * layer's node, or null at the bottom.  Backing layers (and all of them
 * when read_only) are read-only.  A GPtrArray of JsonNode*. */
GPtrArray  *hg_cmdline_blockdev_nodes  (const HgDiskImageInfo *chain,
                                        const char            *id,
                                        gboolean               read_only,
                                        GError               **error);

/* The firmware descriptor a UEFI VM gets on this host (hg-firmware.h):
 * what hg_cmdline_build() uses, for the start to make the VM's variables
 * from its template.  NULL without an error for firmware=bios. */
const HgFirmware *hg_cmdline_select_firmware (HgVmConfig        *config,
                                              const HgHostCaps  *caps,
                                              GError           **error);

/* Escapes a value for a QEMU option list: ',' becomes ',,'. */
char       *hg_cmdline_escape          (const char *value);

/* Shell-quoted rendering for display only (`hangarctl cmdline`, summary page):
 * never executed. */
char       *hg_cmdline_to_display      (const char * const *argv);

G_END_DECLS
