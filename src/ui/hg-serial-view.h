/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <vte/vte.h>

G_BEGIN_DECLS

/*
 * HgSerialView — a VteTerminal on a UNIX socket (the VM's serial console,
 * with the HMP monitor multiplexed on it, or the dedicated monitor socket).
 * Bytes read from the socket are fed to the terminal in chunks, at low
 * priority, so that a guest flooding its serial port never starves the
 * window; what the user types (the terminal's "commit") is written back.
 * A closed or broken socket shows in an info bar with a Reconnect button.
 *
 * The terminal is made when first needed (the view mapped, or asked for by
 * the functions below): until then what the socket brings is kept, the
 * newest HG_SERIAL_VIEW_MAX_PENDING bytes of it, and fed to the terminal
 * when it comes.
 *
 * Properties:
 *   "socket-path"  char*     the socket to attach to (NULL = none)
 *   "connected"    gboolean  read-only
 *   "title"        char*     shown in the info bar messages ("Serial console")
 */

/* What a view without a terminal keeps of its input, at most */
#define HG_SERIAL_VIEW_MAX_PENDING (1024 * 1024)

#define HG_TYPE_SERIAL_VIEW (hg_serial_view_get_type ())
G_DECLARE_FINAL_TYPE (HgSerialView, hg_serial_view, HG, SERIAL_VIEW, GtkBox)

GtkWidget   *hg_serial_view_new             (void);
void         hg_serial_view_set_socket_path (HgSerialView *self,
                                             const char   *path);
const char  *hg_serial_view_get_socket_path (HgSerialView *self);
/* (Re)connects to socket-path now; any current connection is dropped. */
void         hg_serial_view_reconnect       (HgSerialView *self);
void         hg_serial_view_disconnect      (HgSerialView *self);
gboolean     hg_serial_view_get_connected   (HgSerialView *self);
/* Makes the terminal if there is none yet. */
VteTerminal *hg_serial_view_get_terminal    (HgSerialView *self);
/* The terminal's whole text, scrollback included (for tests and copy). */
char        *hg_serial_view_dup_text        (HgSerialView *self);
/* Empties the terminal (screen and scrollback) or, before there is one,
 * forgets what was kept for it. */
void         hg_serial_view_clear           (HgSerialView *self);
/* The message of the info bar, NULL when it is hidden. */
const char  *hg_serial_view_get_error_message (HgSerialView *self);
/* Bytes read from the socket since the last (re)connect. */
guint64      hg_serial_view_get_bytes_received (HgSerialView *self);

G_END_DECLS
