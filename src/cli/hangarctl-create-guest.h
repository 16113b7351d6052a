/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hg-osinfo.h"
#include "hg-vm-spec.h"

G_BEGIN_DECLS

/* hangarctl create's modern-guest flags (hangarctl-create-guest.c):
 * --express (an unattended install from --iso), --cloud-image, and the
 * firmware libosinfo advises for a detected OS. */

typedef struct {
  char     *cloud_image;
  gboolean  copy;
  gboolean  overlay;
  gboolean  express;
  char     *user;
  char     *password_file;
  char     *ssh_key;
  char     *hostname;
  char     *timezone;
  char     *keyboard;
  char     *language;
  char     *profile;
  char     *product_key;
  /* read by hg_cli_guest_check */
  char     *password;
  char     *ssh_keys;
  /* --disk-size with --cloud-image: the disk grows to it (0: as the image) */
  guint64   disk_bytes;
  /* --append: more installer arguments (not owned) */
  const char *append;
  /* the uuid whose install media the creation made (to undo) */
  char     *install_uuid;
} HgCliGuestOptions;

void      hg_cli_guest_options_clear (HgCliGuestOptions *g);

/* The flags against each other and the other create flags, and the files
 * they name (password, SSH keys) read now, before anything is made.
 * FALSE with the error printed and *status set. */
gboolean  hg_cli_guest_check         (HgCliGuestOptions *g,
                                      const char        *iso,
                                      const char        *kernel,
                                      const char        *disk,
                                      const char        *disk_size,
                                      int               *status);

/* The firmware libosinfo advises for os, stored in the spec and printed
 * with its reason (unless the caller set one) */
void      hg_cli_guest_apply_firmware (HgVmSpec   *spec,
                                       HgOsInfo   *os);

/* The OS of --cloud-image, from its file name (before the explicit
 * flags, which win over the OS's recommendations) */
void      hg_cli_guest_detect_os      (HgVmSpec          *spec,
                                       HgCliGuestOptions *g);

/* Sets up the spec (after the other flags): the cloud image's disk and
 * seed; the express install's answer file and install phase.  FALSE
 * with the error printed and *status set. */
gboolean  hg_cli_guest_setup          (HgVmSpec          *spec,
                                       HgCliGuestOptions *g,
                                       const char        *label,
                                       const char        *iso,
                                       int               *status);

/* After a failed creation: removes what the setup made outside the VM's
 * folder (the install media in the runtime directory) */
void      hg_cli_guest_abandon        (HgCliGuestOptions *g);

/* What to tell after the creation ("Start it: the installer runs ...") */
void      hg_cli_guest_created        (HgCliGuestOptions *g,
                                       const char        *label);

/* hangarctl start --wait-install: for a VM in an express install, stays
 * until the installer is done and HgVm has ended the install phase and
 * started the VM from its disk (or failed).  Returns an HG_EXIT_* code;
 * HG_EXIT_OK at once for a VM not in the phase. */
struct _HgVm;
int       hg_cli_wait_install         (struct _HgVm      *vm);

G_END_DECLS
