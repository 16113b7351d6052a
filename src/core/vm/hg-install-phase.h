/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-install-script.h"
#include "hg-vm-config.h"
#include "hg-vm-spec.h"

G_BEGIN_DECLS

/*
 * The install phase of an express install, in the VM's config:
 *
 *   [install]
 *   express=initrd            how the answer file is delivered (or cdrom)
 *   media=/run/user/1000/hangar/install/<uuid>
 *
 * with [boot] pointing at the installer's kernel and initrd in that folder
 * (initrd) or [cdrom:1] at the answer-file CD there (cdrom).  The folder is
 * in the runtime directory (0700, never in the VM's folder or the library):
 * the answer file holds the password.  While the phase lasts QEMU runs with
 * -no-reboot, so that the installer's reboot at the end ends it; the
 * watcher of the VM (HgVm) then completes the phase: the folder removed,
 * the install media ejected, boot from disk, and starts the VM again.
 */

/* $runtime_root/install/<uuid> */
char     *hg_install_phase_media_dir (const char *uuid);


/* Builds the media of script in the media folder of config's uuid and
 * puts config in the install phase (not saved: the caller saves).
 * iso_path: the installer ISO (its kernel/initrd are taken from it).
 * extra_append: kernel arguments added (console=...).  On failure the
 * folder is removed and config is unchanged. */
gboolean  hg_install_phase_begin     (HgVmConfig       *config,
                                      HgInstallScript  *script,
                                      const char       *iso_path,
                                      const char       *extra_append,
                                      GError          **error);

/* Ends the phase in config: removes the media folder (only the one of
 * config's uuid in the runtime root, never a path the file names), ejects
 * the installer ISO and the answer CD, boots from disk, and saves config.
 * TRUE and nothing changed when it is not in the phase. */
gboolean  hg_install_phase_complete  (HgVmConfig  *config,
                                      GError     **error);

/* Makes spec's creation put the new VM in the install phase
 * (hg_install_phase_begin in its create hook).  Takes script; iso_path
 * absolute.  *uuid_out (when given; caller's storage that outlives the
 * creation) receives the uuid whose media folder was made: after a failed
 * creation, hg_install_phase_remove_media (it). */
void      hg_install_phase_set_spec_hook (HgVmSpec         *spec,
                                          HgInstallScript  *script,
                                          const char       *iso_path,
                                          const char       *extra_append,
                                          char            **uuid_out);

/* Removes the media folder of uuid (a failed creation) */
void      hg_install_phase_remove_media (const char *uuid);

G_END_DECLS
