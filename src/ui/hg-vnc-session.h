/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk-vnc.h>

G_BEGIN_DECLS

/*
 * HgVncSession — the connection side of the embedded display (virt-viewer's
 * session-vnc, apart from the widget that lays it out).  It attaches a
 * VncDisplay to the VM's VNC UNIX socket: connects the socket itself and
 * hands the descriptor to vnc_display_open_fd(), so no TCP port is ever
 * involved.  With auto-reconnect set (the owner sets it while the VM runs) a
 * lost or refused connection is retried with a short backoff.  It counts
 * framebuffer updates so that callers can wait for the first real frame.
 */

typedef enum {
  HG_VNC_SESSION_DISCONNECTED,
  HG_VNC_SESSION_CONNECTING,    /* socket being connected / VNC handshake */
  HG_VNC_SESSION_CONNECTED,     /* handshake done, framebuffer initialised */
} HgVncSessionState;

GType hg_vnc_session_state_get_type (void) G_GNUC_CONST;
#define HG_TYPE_VNC_SESSION_STATE (hg_vnc_session_state_get_type ())

#define HG_TYPE_VNC_SESSION (hg_vnc_session_get_type ())
G_DECLARE_FINAL_TYPE (HgVncSession, hg_vnc_session, HG, VNC_SESSION, GObject)

/*
 * Properties:
 *   "display"         VncDisplay*        construct-only
 *   "socket-path"     char*
 *   "state"           HgVncSessionState  read-only
 *   "auto-reconnect"  gboolean           retry after a loss (default FALSE)
 *   "error"           char*              read-only, last failure or NULL
 * Signals:
 *   "framebuffer-update" (x, y, width, height) after each update of the
 *   local framebuffer.
 */
HgVncSession     *hg_vnc_session_new                (VncDisplay   *display);
VncDisplay       *hg_vnc_session_get_display        (HgVncSession *self);
void              hg_vnc_session_set_socket_path    (HgVncSession *self,
                                                     const char   *path);
const char       *hg_vnc_session_get_socket_path    (HgVncSession *self);
/* Connects (or reconnects) to socket-path. */
void              hg_vnc_session_open               (HgVncSession *self);
/* Closes and stops retrying until the next open. */
void              hg_vnc_session_close              (HgVncSession *self);
HgVncSessionState hg_vnc_session_get_state          (HgVncSession *self);
void              hg_vnc_session_set_auto_reconnect (HgVncSession *self,
                                                     gboolean      auto_reconnect);
gboolean          hg_vnc_session_get_auto_reconnect (HgVncSession *self);
const char       *hg_vnc_session_get_error          (HgVncSession *self);
/* Framebuffer updates received since the last connection. */
guint64           hg_vnc_session_get_n_updates      (HgVncSession *self);
/* TRUE once the local framebuffer holds more than one colour (the guest
 * drew something: not the black of a VM that shows nothing). */
gboolean          hg_vnc_session_has_content        (HgVncSession *self);

G_END_DECLS
