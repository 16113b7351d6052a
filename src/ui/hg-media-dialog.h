/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"

G_BEGIN_DECLS

/*
 * HgMediaDialog — the removable drives of a running VM (CD/DVD, floppy)
 * with what is in them (hg_vm_media_list_async): eject, or choose an image
 * (GtkFileChooserNative filtered for disc and floppy images) to insert
 * with hg_vm_media_change_async — the manual's DVD swap during an install.
 * Errors show inline.  "busy" is TRUE while QEMU works.
 */

#define HG_TYPE_MEDIA_DIALOG (hg_media_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgMediaDialog, hg_media_dialog, HG, MEDIA_DIALOG, HgVmDialog)

HgMediaDialog *hg_media_dialog_new       (GtkWindow     *parent,
                                          HgVm          *vm);
/* Selects a drive by its device name or qdev id */
gboolean       hg_media_dialog_select    (HgMediaDialog *self,
                                          const char    *device);
/* What the buttons do, on the selected drive */
void           hg_media_dialog_eject     (HgMediaDialog *self);
void           hg_media_dialog_insert    (HgMediaDialog *self,
                                          const char    *file);
gboolean       hg_media_dialog_is_busy   (HgMediaDialog *self);
/* The image in a drive as listed ("" = empty), NULL if no such drive */
const char    *hg_media_dialog_get_medium (HgMediaDialog *self,
                                           const char    *device);
/* The drives listed, in order */
GStrv          hg_media_dialog_dup_devices (HgMediaDialog *self);
const char    *hg_media_dialog_get_error (HgMediaDialog *self);

G_END_DECLS
