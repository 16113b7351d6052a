/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-window.h"

G_BEGIN_DECLS

/* hg-import-dialog.c: win.import, "Import…" a VM of libvirt, quickemu,
 * OVF/OVA or VMware (user_data: the HgWindow) */
void hg_window_action_import (GSimpleAction *action,
                              GVariant      *param,
                              gpointer       user_data);
/* The dialog for one file (the chooser's choice): the report, the name and
 * what to do with the disks; NULL (a message shown) when the file cannot be
 * imported.  Import writes the VM in a thread and selects it. */
GtkWidget *hg_import_dialog_open_file (HgWindow   *self,
                                       const char *file);

G_END_DECLS
