/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgSharesEditor — a VM's shared folders ([share:N]) as a list, each
 * removable, and a form to add one: the folder (a folder chooser), the
 * mount tag (the folder's name unless written) and read-only.  Every change
 * is saved in the config at once (hg-vm-shares.h); a running VM gets it at
 * its next start.  A refused folder or tag shows its error beside the
 * fields and nothing changes.
 *
 * Signal "changed" (void (*) (HgSharesEditor *, gpointer)) after a change
 * was saved.
 */

#define HG_TYPE_SHARES_EDITOR (hg_shares_editor_get_type ())
G_DECLARE_FINAL_TYPE (HgSharesEditor, hg_shares_editor, HG, SHARES_EDITOR, GtkBox)

void        hg_shares_editor_set_vm    (HgSharesEditor *self,
                                        HgVm           *vm);
/* Adds folder as the form does (tag NULL or "": the folder's name) */
void        hg_shares_editor_add       (HgSharesEditor *self,
                                        const char     *folder,
                                        const char     *tag,
                                        gboolean        readonly);
/* Removes the index-th share listed, as its remove button does */
void        hg_shares_editor_remove    (HgSharesEditor *self,
                                        guint           index);
/* The error shown beside the fields, or NULL */
const char *hg_shares_editor_get_error (HgSharesEditor *self);
/* The list, one line per share (tests) */
char       *hg_shares_editor_dump      (HgSharesEditor *self);

G_END_DECLS
