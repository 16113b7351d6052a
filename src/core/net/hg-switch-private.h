/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-switch.h"

G_BEGIN_DECLS

/* Calls go one way: hg-switch.c (names, the object, finding the process)
 * <- hg-switch-mgmt.c (the management socket, port listing, libvdeplug)
 * <- hg-switch-start.c (directories, start, stop, the VM start hook)
 * <- hg-switch-watch.c (supervision: pidfd watch, restarts). */

#define RESTART_LIMIT        5        /* restarts per RESTART_WINDOW_US at most */

struct _HgSwitch {
  GObject       parent_instance;

  char         *name;
  char         *root;
  char         *vde_switch;
  char         *dir;
  char         *data;
  char         *ctl;
  char         *mgmt;
  char         *pidfile;
  char         *log;
  char         *lock;
  char         *stop_marker;      /* written by a stop on purpose: no restart */

  gboolean      auto_restart;
  /* set by hg_switch_watch(): how a start re-arms the watch (hg-switch-start.c
   * does not call up into hg-switch-watch.c) */
  void        (*arm_watch) (HgSwitch *self);
  gboolean      running;
  GPid          pid;
  int           pidfd;
  GSource      *pidfd_source;
  GMainContext *watch_context;
  gboolean      restarting;
  guint         busy_retries;     /* the lock was held by another restarter */
  GSource      *busy_source;
  gint64        restart_times[RESTART_LIMIT];
  guint         n_restarts;
};

/* hg-switch.c: the running property (and pid) */
void     _hg_switch_set_running      (HgSwitch *self, GPid pid);
/* hg-switch-start.c: removes what a dead switch left (sockets, pidfile) */
gboolean _hg_switch_clean_stale      (HgSwitch *self, GError **error);
/* hg-switch-mgmt.c: something accepts connections on the UNIX socket path */
gboolean _hg_switch_mgmt_connectable (const char *path);
/* hg-switch.c: ends the pidfd watch of a watched switch */
void     _hg_switch_stop_watch       (HgSwitch *self);

G_END_DECLS
