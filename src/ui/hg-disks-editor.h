/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgDisksEditor — the Disks section of a VM's properties: its disks
 * (name, format, size, bus, file) and what can be done to the selected
 * one: resize (also while the VM runs), convert, compact, remove (a
 * dialog naming the image asks whether to keep it or move it to the
 * trash); a form to add a new disk or an existing image.  The work is
 * hg-vm-disks.h's, on a fresh copy of the config, saved at once; long
 * work shows a progress bar with Cancel.  Errors show below, nothing
 * changed.
 *
 * Signal "changed" (void (*) (HgDisksEditor *, gpointer)) after a change
 * was saved.
 */

#define HG_TYPE_DISKS_EDITOR (hg_disks_editor_get_type ())
G_DECLARE_FINAL_TYPE (HgDisksEditor, hg_disks_editor, HG, DISKS_EDITOR, GtkBox)

void        hg_disks_editor_set_vm      (HgDisksEditor *self, HgVm *vm);

/* For tests, as a user would: */
/* Selects the index-th disk listed */
void        hg_disks_editor_select      (HgDisksEditor *self, guint index);
/* Types size into the size field and clicks Resize */
void        hg_disks_editor_resize      (HgDisksEditor *self, const char *size);
/* Picks format (NULL: Compact) and clicks Convert */
void        hg_disks_editor_convert     (HgDisksEditor *self, const char *format);
/* Fills the add form and clicks Add Disk */
void        hg_disks_editor_add         (HgDisksEditor *self, const char *size,
                                         const char *format);
/* Clicks Remove…: the confirmation dialog shown, or NULL */
GtkWidget  *hg_disks_editor_remove      (HgDisksEditor *self);
/* Clicks Cancel of the progress bar */
void        hg_disks_editor_cancel      (HgDisksEditor *self);
gboolean    hg_disks_editor_is_busy     (HgDisksEditor *self);
/* -1 when no progress bar is shown */
double      hg_disks_editor_get_progress (HgDisksEditor *self);
const char *hg_disks_editor_get_error   (HgDisksEditor *self);
const char *hg_disks_editor_get_note    (HgDisksEditor *self);
/* One line per disk listed */
char       *hg_disks_editor_dump        (HgDisksEditor *self);

G_END_DECLS
