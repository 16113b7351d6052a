/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * How Hangar starts programs.
 *
 * Environment: every program (QEMU, qemu-img, vde_switch, the probes of the
 * host) gets a short allow-list, not the caller's whole environment, which
 * may hold tokens, proxies or LD_PRELOAD (docs/DESIGN.md): PATH set to
 * HG_SPAWN_PATH; HOME, USER, LOGNAME; LANG, LANGUAGE, LC_*, TZ;
 * XDG_RUNTIME_DIR, TMPDIR (QEMU's temporary snapshot files); DISPLAY,
 * WAYLAND_DISPLAY, XAUTHORITY (the SDL console's window); the sanitizers'
 * *SAN_OPTIONS (Hangar's own wrapper in sanitizer builds).
 *
 * Work: children started for work (qemu-img, the network helper, probes)
 * also die with the process that started them: the child asks the kernel
 * for SIGKILL when its parent goes (PR_SET_PDEATHSIG), and exits at once
 * when the parent is gone already.  Not QEMU itself nor vde_switch: VMs and
 * switches outlive the window by design (hg-process.c, hg-switch-start.c).
 * The kernel sends the signal when the *thread* that forked ends: spawn
 * work from a thread that outlives the child (the main thread, or a worker
 * that waits for the child), never from a thread that returns to a pool
 * meanwhile.
 */
#define HG_SPAWN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The environment above, from this process's */
GStrv                hg_spawn_env_new           (void);
/* A launcher with that environment, for a program that outlives us */
GSubprocessLauncher *hg_spawn_launcher_new      (GSubprocessFlags     flags);
/* The same, for work: the child dies with us (a child setup set later
 * replaces that: don't) */
GSubprocessLauncher *hg_spawn_work_launcher_new (GSubprocessFlags     flags);
/* g_subprocess_newv () for work */
GSubprocess         *hg_spawn_work              (const char * const  *argv,
                                                 GSubprocessFlags     flags,
                                                 GError             **error);
/* Runs argv for work with stdin_text on its stdin (or an empty stdin),
 * stdout and stderr merged into *out_text, on a private main context of the
 * calling thread (no main loop of the caller runs).  Returns FALSE on spawn
 * failure or when timeout_ms passed (the process is then killed). */
gboolean             hg_spawn_work_run          (const char * const  *argv,
                                                 const char          *stdin_text,
                                                 guint                timeout_ms,
                                                 char               **out_text,
                                                 int                 *out_status);

G_END_DECLS
