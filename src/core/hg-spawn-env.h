/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The environment of every program Hangar runs (QEMU, qemu-img, vde_switch,
 * the probes of the host): not the caller's whole one, which may hold
 * tokens, proxies or LD_PRELOAD, but a short allow-list (docs/DESIGN.md):
 * PATH set to HG_SPAWN_PATH; HOME, USER, LOGNAME; LANG, LANGUAGE, LC_*, TZ;
 * XDG_RUNTIME_DIR, TMPDIR (QEMU's temporary snapshot files); DISPLAY,
 * WAYLAND_DISPLAY, XAUTHORITY (the SDL console's window); the sanitizers'
 * *SAN_OPTIONS (Hangar's own wrapper in sanitizer builds). */
#define HG_SPAWN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The environment above, from this process's */
GStrv                hg_spawn_env_new      (void);
/* g_subprocess_launcher_new (flags) with that environment */
GSubprocessLauncher *hg_spawn_launcher_new (GSubprocessFlags      flags);
/* g_subprocess_newv () with that environment */
GSubprocess         *hg_spawn_newv         (const char * const  *argv,
                                            GSubprocessFlags     flags,
                                            GError             **error);

G_END_DECLS
