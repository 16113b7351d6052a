/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The exit codes of hangar-net-helper, shared with its callers.  Plain C:
 * the helper does not link GLib.  Every failure also prints one line
 *   hangar-net-helper: <message>
 * on stderr. */
enum {
  HG_HELPER_EXIT_OK             = 0,
  HG_HELPER_EXIT_FAILED         = 1,  /* an ioctl failed, /dev/net/tun missing, TAP busy ... */
  HG_HELPER_EXIT_USAGE          = 2,  /* bad verb, argument count or name */
  HG_HELPER_EXIT_NOT_AUTHORIZED = 3,  /* bad PKEXEC_UID, TAP of another uid, bridge not allowed */
  HG_HELPER_EXIT_ENVIRONMENT    = 4,  /* hostile environment (LD_PRELOAD, PATH ...) */
  HG_HELPER_EXIT_NOT_FOUND      = 5,  /* no such interface */
  HG_HELPER_EXIT_EXISTS         = 6,  /* the TAP already exists */
  /* pkexec's own: 126 = the user dismissed or polkit refused, 127 = not authorised / no agent */
};

/* The polkit action that authorises the helper (data/io.github.hangarvm.Hangar.policy) */
#define HG_HELPER_POLKIT_ACTION "io.github.hangarvm.Hangar.net-helper"
