/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * HgVmTree — the library pane: a filter entry over a tree of VMs grouped by
 * base directory and sub-folder (the ctys directory tree), each VM with a
 * state icon, its label, architecture and accelerator.  A VM whose config
 * cannot be loaded is listed with a warning icon and its error.  Rows are
 * keyed by the absolute path of the VM's .hangar file.
 *
 * Properties: "selected-path" (char*, read-only: the selected VM's config
 * path or NULL), "filter-text" (char*).
 * The context menu of a row shows the vm.* actions of the window.
 */

#define HG_TYPE_VM_TREE (hg_vm_tree_get_type ())
G_DECLARE_FINAL_TYPE (HgVmTree, hg_vm_tree, HG, VM_TREE, GtkBox)

/* The state names of HgVm ("stopped", "starting", "running", "paused",
 * "shutting-down", "crashed") and the window's "not-responding" (a live
 * QEMU that does not answer QMP); anything else shows as stopped. */
const char   *hg_vm_tree_state_icon_name   (const char *state);

GtkWidget    *hg_vm_tree_new               (void);
void          hg_vm_tree_clear             (HgVmTree   *self);
/* Adds (or replaces) a VM.  folder is relative to base ("" or NULL for a
 * VM directly in it, "lab/net" for nested folders).  config is NULL for a
 * broken VM, error then says why. */
void          hg_vm_tree_add_vm            (HgVmTree   *self,
                                            const char *base,
                                            const char *folder,
                                            const char *config_path,
                                            HgVmConfig *config,
                                            const char *error);
gboolean      hg_vm_tree_remove_vm         (HgVmTree   *self,
                                            const char *config_path);
void          hg_vm_tree_set_vm_state      (HgVmTree   *self,
                                            const char *config_path,
                                            const char *state);
/* The accelerator a running VM really uses ("kvm", "tcg"); NULL = the
 * configured one again */
void          hg_vm_tree_set_vm_accel      (HgVmTree   *self,
                                            const char *config_path,
                                            const char *accel);
/* Many adds in a row (a library load): the view is detached in between and
 * the selection is lost.  Nestable. */
void          hg_vm_tree_begin_update      (HgVmTree   *self);
void          hg_vm_tree_end_update        (HgVmTree   *self);
const char   *hg_vm_tree_get_selected_path (HgVmTree   *self);
/* The selected VM's config (transfer none) or NULL; error is its load error */
HgVmConfig   *hg_vm_tree_get_selected      (HgVmTree   *self,
                                            const char **error);
gboolean      hg_vm_tree_select_path       (HgVmTree   *self,
                                            const char *config_path);
/* Selects the first VM shown; FALSE if there is none */
gboolean      hg_vm_tree_select_first      (HgVmTree   *self);
void          hg_vm_tree_set_filter_text   (HgVmTree   *self,
                                            const char *text);
void          hg_vm_tree_focus_filter      (HgVmTree   *self);
void          hg_vm_tree_focus_list        (HgVmTree   *self);
/* The visible rows as indented text, one per line (base, folders, then
 * "label [arch, accel] state" for VMs): what a user sees, for tests. */
char         *hg_vm_tree_dump              (HgVmTree   *self);
guint         hg_vm_tree_get_n_vms         (HgVmTree   *self);

G_END_DECLS
