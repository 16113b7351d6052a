/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-share.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * A VM's shared folders changed in its config, the truth (saved
 * atomically): what hangarctl share and the Properties editor do.  Neither
 * transport is hot-plugged here (9p cannot be; a virtiofs device would need
 * the guest's RAM shared and a free PCIe hot-plug port from the start), so
 * a change made while the VM runs takes effect at its next start.
 */

/* Adds share (copied) to the config at config_path, loaded afresh so that
 * other changes in the file are kept: the folder checked
 * (hg_share_check_folder), the tag and the folder not shared yet
 * (HG_SHARE_ERROR_EXISTS naming the group that has it), then saved.
 * Nothing changes on any error. */
gboolean    hg_vm_shares_add     (const char     *config_path,
                                  const HgShare  *share,
                                  GError        **error);

/* Removes the share whose tag is what, else whose folder is what (as
 * written or canonical); HG_SHARE_ERROR_NOT_FOUND naming it when none.
 * The removed share is returned in out_removed (may be NULL). */
gboolean    hg_vm_shares_remove  (const char     *config_path,
                                  const char     *what,
                                  HgShare       **out_removed,
                                  GError        **error);

G_END_DECLS
