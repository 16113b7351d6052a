/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * HgForwardRow — one port forward in a list: its name, where the host
 * side listens and the guest port, what reaches it ("ssh -p 2222
 * localhost") with a button that copies that, and (removable) a button
 * that emits "remove-clicked" (void (*) (HgForwardRow *row, gpointer user_data)).
 */

#define HG_TYPE_FORWARD_ROW (hg_forward_row_get_type ())
G_DECLARE_FINAL_TYPE (HgForwardRow, hg_forward_row, HG, FORWARD_ROW, GtkListBoxRow)

GtkWidget       *hg_forward_row_new          (const HgHostFwd *fwd,
                                              gboolean         removable);
const HgHostFwd *hg_forward_row_get_forward  (HgForwardRow    *self);
/* What "Copy address" puts on the clipboard */
const char      *hg_forward_row_get_reach    (HgForwardRow    *self);
/* The row as one line of text (tests): "tcp 127.0.0.1:2222 → 22 ssh: ssh -p 2222 localhost" */
char            *hg_forward_row_dump         (HgForwardRow    *self);

G_END_DECLS
