/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Children started for work (qemu-img, the network helper, probes) die with
 * the process that started them: the child asks the kernel for SIGKILL when
 * its parent goes (PR_SET_PDEATHSIG), and exits at once when the parent is
 * gone already.  Not for QEMU itself nor vde_switch: VMs and switches outlive
 * the window by design (hg-process.c, hg-switch-start.c).
 *
 * The kernel sends the signal when the *thread* that forked ends: spawn from
 * a thread that outlives the child (the main thread, or a worker that waits
 * for the child), never from a thread that returns to a pool meanwhile.
 */

/* A launcher with the child setup already set; add env, cwd, fds as needed
 * (a child setup set later replaces this one: don't). */
GSubprocessLauncher *hg_spawn_launcher_new (GSubprocessFlags flags);

/* g_subprocess_newv () for a child that must not outlive us */
GSubprocess         *hg_spawn_work        (const char * const *argv,
                                           GSubprocessFlags    flags,
                                           GError            **error);

G_END_DECLS
