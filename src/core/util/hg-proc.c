/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-proc"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hg-proc.h"

/* the state letter of /proc/PID/stat ("pid (comm) S ..."), or 0 */
static char
pid_state (GPid pid)
{
  g_autofree char *proc = NULL;
  g_autofree char *stat = NULL;
  const char *p;

  if (pid <= 0)
    return 0;
  proc = g_strdup_printf ("/proc/%d/stat", (int) pid);
  if (!g_file_get_contents (proc, &stat, NULL, NULL))
    return 0;
  /* comm may hold ')' itself: the last one ends it */
  p = strrchr (stat, ')');
  return p != NULL && p[1] == ' ' ? p[2] : 0;
}

gboolean
hg_proc_pid_is_alive (GPid pid)
{
  char state = pid_state (pid);

  /* a zombie is dead for our purposes */
  return state != 0 && state != 'Z' && state != 'X';
}

gboolean
hg_proc_pid_is_stopped (GPid pid)
{
  char state = pid_state (pid);

  return state == 'T' || state == 't';
}

char *
hg_proc_exe_name (GPid pid)
{
  g_autofree char *link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *exe = g_file_read_link (link, NULL);

  return exe != NULL ? g_path_get_basename (exe) : NULL;
}

GStrv
hg_proc_cmdline (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *text = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  gsize len = 0;

  if (pid <= 0 || !g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  builder = g_strv_builder_new ();
  /* NUL-separated; the last argument ends with a NUL too */
  for (gsize off = 0; off < len; off += strlen (text + off) + 1)
    g_strv_builder_add (builder, text + off);
  return g_strv_builder_end (builder);
}

gint64
hg_proc_pid_uptime (GPid pid)
{
  g_autofree char *stat_path = NULL;
  g_autofree char *stat = NULL;
  g_autofree char *uptime = NULL;
  const char *p;
  guint64 start_ticks = 0;
  long hz = sysconf (_SC_CLK_TCK);

  if (pid <= 0 || hz <= 0)
    return -1;
  stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL))
    return -1;
  /* the command name may hold spaces and parentheses: fields follow the last ')' */
  p = strrchr (stat, ')');
  if (p == NULL)
    return -1;
  p++;
  /* field 22 (starttime) is the 20th after the ')' */
  for (guint field = 3; field <= 22; field++)
    {
      while (*p == ' ')
        p++;
      if (field == 22)
        start_ticks = g_ascii_strtoull (p, NULL, 10);
      while (*p != ' ' && *p != '\0')
        p++;
    }
  return MAX ((gint64) g_ascii_strtod (uptime, NULL) - (gint64) (start_ticks / (guint64) hz), 0);
}

char *
hg_proc_cmdline_accel (GPid pid)
{
  g_auto(GStrv) argv = hg_proc_cmdline (pid);

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      const char *accel = strstr (arg, "accel=");

      if (g_str_equal (arg, "-accel") && argv[i + 1] != NULL)
        return g_strndup (argv[i + 1], strcspn (argv[i + 1], ",:"));
      if (accel != NULL && (accel == arg || accel[-1] == ','))
        return g_strndup (accel + 6, strcspn (accel + 6, ",:"));
    }
  return NULL;
}

gboolean
hg_proc_argv_has_pair (const char * const *argv,
                       const char         *option,
                       const char         *value)
{
  for (guint i = 0; argv != NULL && argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], option) && g_str_equal (argv[i + 1], value))
      return TRUE;
  return FALSE;
}

gboolean
hg_proc_read_pidfile (const char  *pidfile,
                      GPid        *out_pid,
                      GError     **error)
{
  guint64 value = 0;
  char *end = NULL;
  int fd;
  struct stat st;
  char buf[32];
  ssize_t n;

  *out_pid = 0;
  fd = open (pidfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        return FALSE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Cannot read pidfile %s: %s"), pidfile, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Refusing pidfile %s: not a regular file of ours"), pidfile);
      return FALSE;
    }
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Pidfile %s is empty"), pidfile);
      return FALSE;
    }
  buf[n] = '\0';
  g_strchomp (buf);
  value = g_ascii_strtoull (buf, &end, 10);
  if (end == buf || *end != '\0' || value < 2 || value > G_MAXINT32)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Pidfile %s does not hold a pid"), pidfile);
      return FALSE;
    }
  *out_pid = (GPid) value;
  return TRUE;
}

int
hg_proc_pidfd_open (GPid pid)
{
#ifdef SYS_pidfd_open
  int fd = (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
  if (fd >= 0)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
  return fd;
#else
  return -1;
#endif
}

gboolean
hg_proc_pidfd_is_alive (int pidfd)
{
  struct pollfd pfd = { pidfd, POLLIN, 0 };

  return poll (&pfd, 1, 0) == 0;
}

gboolean
hg_proc_send_signal (GPid     pid,
                     int      pidfd,
                     int      signum,
                     GError **error)
{
  int r = -1;

#ifdef SYS_pidfd_send_signal
  if (pidfd >= 0)
    r = (int) syscall (SYS_pidfd_send_signal, pidfd, signum, NULL, 0);
  else
#endif
    r = kill (pid, signum);
  if (r != 0 && errno != ESRCH)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot signal process %d: %s"), (int) pid, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

void
hg_proc_kill_and_wait (GPid pid,
                       int  pidfd)
{
  hg_proc_send_signal (pid, pidfd, SIGKILL, NULL);
  if (pidfd >= 0)
    {
      /* a pidfd is readable once its process ended */
      struct pollfd pfd = { pidfd, POLLIN, 0 };

      while (poll (&pfd, 1, 1000) < 0 && errno == EINTR)
        ;
      close (pidfd);
      return;
    }
  for (guint i = 0; i < 100 && hg_proc_pid_is_alive (pid); i++)
    g_usleep (10000);
}

int
hg_proc_lock_file (const char  *path,
                   GError     **error)
{
  struct stat st;
  int fd;

  fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR,
                   saved == ELOOP ? G_IO_ERROR_PERMISSION_DENIED : g_io_error_from_errno (saved),
                   _("Cannot open lock file %s: %s"), path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Refusing lock file %s: not a regular file of ours"), path);
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR,
                   saved == EWOULDBLOCK ? G_IO_ERROR_BUSY : g_io_error_from_errno (saved),
                   _("Cannot lock %s: %s"), path, g_strerror (saved));
      return -1;
    }
  return fd;
}

void
hg_proc_unlock_file (int fd)
{
  if (fd >= 0)
    {
      flock (fd, LOCK_UN);
      close (fd);
    }
}

char *
hg_proc_log_tail (const char *log_path,
                  guint       n_lines)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *p;
  guint seen = 0;

  if (log_path == NULL || !g_file_get_contents (log_path, &contents, &len, NULL))
    return g_strdup ("");
  /* drop trailing newlines, then walk back n lines */
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';
  p = contents + len;
  while (p > contents)
    {
      if (p[-1] == '\n' && ++seen == n_lines)
        break;
      p--;
    }
  if (!g_utf8_validate (p, -1, NULL))
    return g_utf8_make_valid (p, -1);
  return g_strdup (p);
}
