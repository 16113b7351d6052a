/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"
#include "hg-disks-editor.h"
#include "hg-forwards-editor.h"
#include "hg-shares-editor.h"
#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgPropertiesDialog — edits memory, CPUs, boot mode, the CD/ISO medium,
 * the first network interface (mode, switch, MAC, NIC model) and the
 * console of a stopped VM, and its port forwards (HgForwardsEditor, which
 * applies each change at once, also while the VM runs).  Saving re-reads
 * the config from disk in a thread, applies the edits, validates and saves
 * it atomically
 * (hg_vm_config_save), so unknown keys survive; errors show inline and
 * nothing changes.  While the VM runs every field is insensitive and a
 * note says why.
 *
 * Signal "saved" (const char *config_path) after a successful save; the
 * dialog then closes.  Also after each change of the port forwards (the
 * dialog stays open).
 */

#define HG_TYPE_PROPERTIES_DIALOG (hg_properties_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgPropertiesDialog, hg_properties_dialog, HG, PROPERTIES_DIALOG, HgVmDialog)

HgPropertiesDialog *hg_properties_dialog_new  (GtkWindow *parent,
                                               HgVm      *vm);
/* Sets the ISO path field (what the "Choose…" file chooser does) */
void                hg_properties_dialog_set_iso (HgPropertiesDialog *self,
                                                  const char         *path);
/* What the Save button does */
void                hg_properties_dialog_save (HgPropertiesDialog *self);
/* The port forwards' editor (tests) */
HgForwardsEditor   *hg_properties_dialog_get_forwards_editor (HgPropertiesDialog *self);
HgDisksEditor      *hg_properties_dialog_get_disks_editor (HgPropertiesDialog *self);
HgSharesEditor     *hg_properties_dialog_get_shares_editor (HgPropertiesDialog *self);
/* The inline error shown, or NULL */
const char         *hg_properties_dialog_get_error (HgPropertiesDialog *self);

G_END_DECLS
