/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-qmp-client.h"

G_BEGIN_DECLS

/*
 * A real QEMU for QMP tests and benchmarks: qemu-system-x86_64 -accel tcg
 * -M q35 -S -nodefaults -display none -qmp unix:DIR/qmp.sock,server=on,wait=off
 * plus extra arguments, in a fresh temporary directory, started with
 * GSubprocess (argv, no shell).  Waits use the thread-default main context
 * with a deadline, never a fixed sleep.
 */

typedef struct {
  char        *dir;        /* temporary directory, removed by _free */
  char        *qmp_path;
  GSubprocess *process;
  gboolean     exited;     /* set when QEMU was reaped */
} HgQemuFixture;

/* NULL with G_IO_ERROR_NOT_FOUND when qemu-system-x86_64 is not installed. */
HgQemuFixture *hg_qemu_fixture_start      (const char * const *extra_args, GError **error);

/* Connects a client, retrying every 20 ms while the socket is not there yet
 * or refuses (QEMU is still starting), until timeout_ms; fails early if
 * QEMU exits. */
HgQmpClient   *hg_qemu_fixture_connect    (HgQemuFixture *fixture, guint timeout_ms,
                                           GError **error);

/* Waits up to timeout_ms for QEMU to exit; TRUE if it did. */
gboolean       hg_qemu_fixture_wait_exit  (HgQemuFixture *fixture, guint timeout_ms);

/* Kills QEMU if it still runs, reaps it, removes the directory. */
void           hg_qemu_fixture_free       (HgQemuFixture *fixture);

/* A file name inside the fixture's directory (transfer full). */
char          *hg_qemu_fixture_path       (HgQemuFixture *fixture, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgQemuFixture, hg_qemu_fixture_free)

G_END_DECLS
