/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vnc-session.h"

G_BEGIN_DECLS

/*
 * HgVncView — lays out the embedded display (virt-viewer's display-vnc):
 * the VncDisplay in a scrolled area, a small tool bar (scale to fit,
 * keyboard grab, send keys, reconnect), a hint naming the release keys
 * while the keyboard is grabbed, and a status page while there is no
 * picture.  The connection itself is the HgVncSession it owns.
 *
 * Actions (group "display"): display.scale (bool state), display.grab
 * (bool state), display.send-keys ("ctrl-alt-del", "ctrl-alt-f1" …
 * "ctrl-alt-f12"), display.reconnect, display.detach (bool state: the
 * display in its own window; closing that window brings it back),
 * display.fullscreen (bool state: the detached window, or the main
 * window's win.fullscreen while attached).
 *
 * Properties: "socket-path", "auto-reconnect" (forwarded to the session),
 * "scaling", "keyboard-grabbed" (read-only: the grab is active now),
 * "detached", "title" (the VM's name, for the detached window).
 */

#define HG_TYPE_VNC_VIEW (hg_vnc_view_get_type ())
G_DECLARE_FINAL_TYPE (HgVncView, hg_vnc_view, HG, VNC_VIEW, GtkBox)

GtkWidget    *hg_vnc_view_new                (void);
HgVncSession *hg_vnc_view_get_session        (HgVncView  *self);
VncDisplay   *hg_vnc_view_get_display        (HgVncView  *self);
void          hg_vnc_view_set_socket_path    (HgVncView  *self,
                                              const char *path);
/* Connects (again) to socket-path. */
void          hg_vnc_view_connect            (HgVncView  *self);
void          hg_vnc_view_disconnect         (HgVncView  *self);
void          hg_vnc_view_set_auto_reconnect (HgVncView  *self,
                                              gboolean    auto_reconnect);
void          hg_vnc_view_set_scaling        (HgVncView  *self,
                                              gboolean    scaling);
gboolean      hg_vnc_view_get_scaling        (HgVncView  *self);
gboolean      hg_vnc_view_get_keyboard_grabbed (HgVncView *self);
/* Sends a combination like "ctrl-alt-del" or "ctrl-alt-f2" through the VNC
 * connection.  FALSE (and nothing sent) if the name is unknown or there is
 * no connection. */
gboolean      hg_vnc_view_send_keys          (HgVncView  *self,
                                              const char *combo);
void          hg_vnc_view_set_detached       (HgVncView  *self,
                                              gboolean    detached);
gboolean      hg_vnc_view_get_detached       (HgVncView  *self);
/* The display's own window while detached, else NULL */
GtkWindow    *hg_vnc_view_get_detached_window (HgVncView *self);
void          hg_vnc_view_set_title          (HgVncView  *self,
                                              const char *title);
/* A copy of what the display shows, NULL without a framebuffer. */
GdkPixbuf    *hg_vnc_view_get_pixbuf         (HgVncView  *self);
/* The text shown over an empty display, for tests */
const char   *hg_vnc_view_get_status_text    (HgVncView  *self);

G_END_DECLS
