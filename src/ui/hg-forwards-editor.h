/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgForwardsEditor — the port forwards of a VM's user-mode NIC as a list
 * (HgForwardRow, each removable) and a form to add one: protocol, host
 * address (127.0.0.1 unless changed), host port (or a range 8000-8010),
 * guest port, an optional name.  Every change goes through the core at
 * once (hg_vm_forwards_add/remove_async): saved in the config and, while
 * the VM runs, applied to its QEMU.  A refused forward shows its error
 * beside the fields and nothing changes.  Without a user-mode NIC the form
 * is insensitive and says why.
 *
 * Signal "changed" (void (*) (HgForwardsEditor *, gpointer)) after a
 * change was saved.
 */

#define HG_TYPE_FORWARDS_EDITOR (hg_forwards_editor_get_type ())
G_DECLARE_FINAL_TYPE (HgForwardsEditor, hg_forwards_editor, HG, FORWARDS_EDITOR, GtkBox)

void        hg_forwards_editor_set_vm    (HgForwardsEditor *self,
                                          HgVm             *vm);
/* Fills the form (NULL leaves a field as it is) and adds, as the Add
 * button does */
void        hg_forwards_editor_add       (HgForwardsEditor *self,
                                          const char       *proto,
                                          const char       *address,
                                          const char       *host_port,
                                          const char       *guest_port,
                                          const char       *name);
/* Removes the index-th forward listed, as its remove button does */
void        hg_forwards_editor_remove    (HgForwardsEditor *self,
                                          guint             index);
/* TRUE while a change is on its way */
gboolean    hg_forwards_editor_is_busy   (HgForwardsEditor *self);
/* The error shown beside the fields, or NULL */
const char *hg_forwards_editor_get_error (HgForwardsEditor *self);
/* The list, one hg_forward_row_dump() line each (tests) */
char       *hg_forwards_editor_dump      (HgForwardsEditor *self);

G_END_DECLS
