/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * What Hangar knows about a process and how it touches one: /proc, pidfiles,
 * pidfds, signals and flock()ed lock files.  The one place that parses
 * /proc/PID/{stat,exe,cmdline}; the process manager (hg-process.c) and the
 * switches (hg-switch*.c) build their identity proofs on it.  Errors are
 * G_IO_ERROR, naming the file or pid; callers give them their own domain.
 */

/* TRUE if pid exists and is not a zombie (/proc/PID/stat). */
gboolean  hg_proc_pid_is_alive     (GPid pid);
/* TRUE if pid is stopped by a signal (SIGSTOP, a debugger). */
gboolean  hg_proc_pid_is_stopped   (GPid pid);
/* The basename of /proc/PID/exe, or NULL when it cannot be read. */
char     *hg_proc_exe_name         (GPid pid);
/* /proc/PID/cmdline as a string vector, or NULL when it cannot be read. */
GStrv     hg_proc_cmdline          (GPid pid);
/* Seconds since pid started (/proc/PID/stat's starttime against
 * /proc/uptime), or -1 when unknown. */
gint64    hg_proc_pid_uptime       (GPid pid);
/* The accelerator on pid's command line (-accel X, or accel=X in an
 * option such as -machine), or NULL. */
char     *hg_proc_cmdline_accel    (GPid pid);
/* TRUE if argv holds option immediately followed by value. */
gboolean  hg_proc_argv_has_pair    (const char * const *argv,
                                    const char         *option,
                                    const char         *value);

/* Reads a pidfile of ours (regular, owned by us, not a symlink).  FALSE
 * without an error when it does not exist; FALSE with an error when it is
 * unsafe (G_IO_ERROR_PERMISSION_DENIED) or holds no pid
 * (G_IO_ERROR_INVALID_DATA). */
gboolean  hg_proc_read_pidfile     (const char  *pidfile,
                                    GPid        *out_pid,
                                    GError     **error);

/* A pidfd for pid (Linux >= 5.3, close-on-exec), or -1. */
int       hg_proc_pidfd_open       (GPid pid);
/* TRUE while the process a pidfd refers to has not ended. */
gboolean  hg_proc_pidfd_is_alive   (int pidfd);
/* Sends a signal through the pidfd when there is one (no pid-reuse race),
 * else with kill().  A process already gone is no error. */
gboolean  hg_proc_send_signal      (GPid     pid,
                                    int      pidfd,
                                    int      signum,
                                    GError **error);

/* SIGKILL for a process proven to be the one meant (its pidfd opened
 * before the proof), then waits up to a second for it to end (one not our
 * child is reaped by its parent or init); closes pidfd.  Blocking. */
void      hg_proc_kill_and_wait    (GPid     pid,
                                    int      pidfd);

/* Opens (creating it 0600, never through a symlink) and flock()s path
 * without blocking.  Returns the fd, or -1: G_IO_ERROR_BUSY when another
 * process holds it, G_IO_ERROR_PERMISSION_DENIED for a file not ours. */
int       hg_proc_lock_file        (const char  *path,
                                    GError     **error);
void      hg_proc_unlock_file      (int fd);

/* The last n lines of a log file ("" when missing), valid UTF-8. */
char     *hg_proc_log_tail         (const char *log_path,
                                    guint       n_lines);

G_END_DECLS
