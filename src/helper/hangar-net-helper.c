/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-helper"
#include "config.h"

/*
 * hangar-net-helper — the only part of Hangar that runs as root (the
 * manual's ctys-setupVDE, done safely).  Run through pkexec, authorised by
 * the polkit action io.github.hangarvm.Hangar.net-helper.
 *
 *   hangar-net-helper create-tap NAME            TAP NAME owned by the caller, persistent, up
 *   hangar-net-helper delete-tap NAME            only a TAP the caller owns
 *   hangar-net-helper attach-bridge NAME BRIDGE  only bridges in HG_HELPER_CONF
 *   hangar-net-helper status                     the hgtap devices and their owners
 *
 * NAME matches ^hgtap(0|[1-9][0-9]{0,3})$: one spelling per number, so that
 * hgtap01 is no alias of hgtap1.  The caller is PKEXEC_UID (never 0, and a
 * uid that names a user of this system), and
 * nothing else from the environment is used: the environment is checked for
 * hostile variables, then cleared.  Inherited descriptors are closed.  No
 * program is executed and no path is taken from the caller: everything is
 * done with ioctls on /dev/net/tun and an AF_INET socket.  Every request
 * and every refusal goes to syslog (authpriv).
 *
 * Plain libc on purpose: no GLib, no GIO modules, nothing loaded by name.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "hg-helper-protocol.h"

#ifndef HG_HELPER_CONF
#error "HG_HELPER_CONF (the root-owned config file) must be defined at compile time"
#endif

extern char **environ;

static unsigned long caller_uid = (unsigned long) -1;

static void __attribute__ ((format (printf, 2, 3), noreturn))
refuse (int code, const char *format, ...)
{
  char msg[512];
  va_list ap;

  va_start (ap, format);
  vsnprintf (msg, sizeof msg, format, ap);
  va_end (ap);
  fprintf (stderr, "hangar-net-helper: %s\n", msg);
  if (caller_uid != (unsigned long) -1)
    syslog (LOG_WARNING, "refused for uid %lu: %s", caller_uid, msg);
  else
    syslog (LOG_WARNING, "refused: %s", msg);
  exit (code);
}

static void __attribute__ ((noreturn))
usage (void)
{
  refuse (HG_HELPER_EXIT_USAGE,
          "usage: create-tap NAME | delete-tap NAME | attach-bridge NAME BRIDGE | status "
          "(NAME is hgtap0 ... hgtap9999)");
}

/* ---- process hygiene ------------------------------------------------------ */

static void
close_inherited_fds (void)
{
  int fd;

  /* 0, 1, 2 must be open (else a later open() would get them) */
  for (fd = 0; fd < 3; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int null = open ("/dev/null", O_RDWR);
        if (null < 0)
          _exit (HG_HELPER_EXIT_FAILED);
        if (null != fd)
          {
            dup2 (null, fd);
            close (null);
          }
      }
#ifdef SYS_close_range
  if (syscall (SYS_close_range, 3U, ~0U, 0U) == 0)
    return;
#endif
  {
    long max = sysconf (_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
      max = 65536;
    for (fd = 3; fd < max; fd++)
      close (fd);
  }
}

static int
is_system_path_list (const char *value)
{
  static const char * const allowed[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/root/bin",
  };
  char copy[1024];
  char *save = NULL;
  char *dir;

  if (strlen (value) >= sizeof copy)
    return 0;
  strcpy (copy, value);
  for (dir = strtok_r (copy, ":", &save); dir != NULL; dir = strtok_r (NULL, ":", &save))
    {
      size_t i;
      int ok = 0;
      for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp (dir, allowed[i]) == 0)
          ok = 1;
      if (!ok)
        return 0;
    }
  /* an empty component means the current directory */
  return value[0] != ':' && strstr (value, "::") == NULL &&
         (value[0] == '\0' || value[strlen (value) - 1] != ':');
}

/* pkexec hands over a clean environment; anything that could change how a
 * program behaves means we were not started by it, and we stop. */
static void
check_environment (void)
{
  static const char * const hostile[] = {
    "LD_", "GCONV_PATH=", "GLIBC_TUNABLES=", "LOCPATH=", "NLSPATH=", "MALLOC_",
    "HOSTALIASES=", "RESOLV_HOST_CONF=", "RES_OPTIONS=", "IFS=", "ENV=", "BASH_ENV=",
  };
  char **e;

  for (e = environ; e != NULL && *e != NULL; e++)
    {
      size_t i;
      for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        if (strncmp (*e, hostile[i], strlen (hostile[i])) == 0)
          {
            char name[64];
            size_t len = strcspn (*e, "=");
            snprintf (name, sizeof name, "%.*s", (int) (len < 63 ? len : 63), *e);
            refuse (HG_HELPER_EXIT_ENVIRONMENT,
                    "refusing to run with %s set in the environment (run me through pkexec)",
                    name);
          }
      if (strncmp (*e, "PATH=", 5) == 0 && !is_system_path_list (*e + 5))
        refuse (HG_HELPER_EXIT_ENVIRONMENT,
                "refusing to run with PATH=%.200s: only system directories are accepted "
                "(run me through pkexec)", *e + 5);
    }
}

static unsigned long
read_caller_uid (void)
{
  const char *value = getenv ("PKEXEC_UID");
  char *end = NULL;
  unsigned long uid;
  size_t i;

  if (value == NULL || *value == '\0')
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "PKEXEC_UID is not set: run me through pkexec");
  if (strlen (value) > 10)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "PKEXEC_UID is not a uid");
  for (i = 0; value[i] != '\0'; i++)
    if (!isdigit ((unsigned char) value[i]))
      refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "PKEXEC_UID is not a uid");
  errno = 0;
  uid = strtoul (value, &end, 10);
  if (errno != 0 || *end != '\0' || uid >= 0x7fffffffUL)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "PKEXEC_UID is not a uid");
  if (uid == 0)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED,
            "PKEXEC_UID is 0: root needs no helper, and a TAP is never made for root");
  return uid;
}

/* The caller must be a user of this system: a TAP owned by a uid nobody has
 * is one that anybody given that uid later would own.  Asked after the
 * environment is cleared, so that nothing of it steers the lookup. */
static void
check_caller_is_user (unsigned long uid)
{
  struct passwd pw, *found = NULL;
  char buf[4096];
  int rc;

  rc = getpwuid_r ((uid_t) uid, &pw, buf, sizeof buf, &found);
  if (rc != 0 && rc != ENOENT && rc != ESRCH && rc != EBADF && rc != EPERM)
    refuse (HG_HELPER_EXIT_FAILED, "cannot look up PKEXEC_UID %lu in the user database: %s",
            uid, strerror (rc));
  if (found == NULL)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "PKEXEC_UID %lu names no user of this system", uid);
}

/* ---- names ---------------------------------------------------------------- */

/* hgtap0 ... hgtap9999, each number in its one canonical spelling (no
 * leading zero): the kernel would take hgtap01 as a name of its own, an
 * alias a caller could use to dodge the checks made on hgtap1 */
static int
is_tap_name (const char *name)
{
  size_t len = strlen (name);
  size_t i;

  if (len < 6 || len > 9 || strncmp (name, "hgtap", 5) != 0)
    return 0;
  for (i = 5; i < len; i++)
    if (name[i] < '0' || name[i] > '9')
      return 0;
  if (name[5] == '0' && len > 6)
    return 0;
  return 1;
}

static void
check_tap_name (const char *name)
{
  size_t i;

  if (is_tap_name (name))
    return;
  {
    char shown[40];
    size_t n = 0;
    /* show only printable ASCII of what we got */
    for (i = 0; name[i] != '\0' && n < sizeof shown - 4; i++)
      shown[n++] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
    if (name[i] != '\0')
      {
        shown[n++] = '.';
        shown[n++] = '.';
        shown[n++] = '.';
      }
    shown[n] = '\0';
    refuse (HG_HELPER_EXIT_USAGE,
            "\"%s\" is not a TAP name Hangar manages: it must be hgtap followed by "
            "a number from 0 to 9999 without leading zeros",
            shown);
  }
}

static void
check_bridge_name (const char *name)
{
  size_t len = strlen (name);
  size_t i;

  if (len == 0 || len >= IFNAMSIZ)
    refuse (HG_HELPER_EXIT_USAGE, "the bridge name must have 1 to %d characters", IFNAMSIZ - 1);
  for (i = 0; i < len; i++)
    if (!(isalnum ((unsigned char) name[i]) && (unsigned char) name[i] < 0x80) &&
        name[i] != '-' && name[i] != '_' && name[i] != '.')
      refuse (HG_HELPER_EXIT_USAGE,
              "the bridge name may only have A-Z a-z 0-9 - _ . in it");
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    refuse (HG_HELPER_EXIT_USAGE, "\"%s\" is not a bridge name", name);
}

/* ---- sysfs ---------------------------------------------------------------- */

static int
read_sys_value (const char *ifname,
                const char *attr,
                char       *buf,
                size_t      size)
{
  char path[128];
  int fd;
  ssize_t n;

  snprintf (path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  n = read (fd, buf, size - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  return 0;
}

static int
interface_exists (const char *name)
{
  return if_nametoindex (name) != 0;
}

/* The owner uid of a TUN/TAP device, -1 for none, -2 if it is no TAP. */
static long
tap_owner (const char *name)
{
  char buf[32];

  if (read_sys_value (name, "tun_flags", buf, sizeof buf) != 0)
    return -2;
  if (read_sys_value (name, "owner", buf, sizeof buf) != 0)
    return -2;
  return strtol (buf, NULL, 10);
}

static void
check_caller_owns (const char *name,
                   const char *action)
{
  long owner;

  if (!interface_exists (name))
    refuse (HG_HELPER_EXIT_NOT_FOUND, "there is no interface %s", name);
  owner = tap_owner (name);
  if (owner == -2)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "%s is not a TAP device; not %s it", name, action);
  if (owner < 0 || (unsigned long) owner != caller_uid)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED,
            "%s belongs to uid %ld, not to uid %lu; not %s it", name, owner, caller_uid, action);
}

/* ---- ioctls --------------------------------------------------------------- */

static int
open_tun (const char *name)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;
      if (saved == ENOENT || saved == ENODEV || saved == ENXIO)
        refuse (HG_HELPER_EXIT_FAILED,
                "/dev/net/tun is missing: load the tun module (modprobe tun)");
      refuse (HG_HELPER_EXIT_FAILED, "cannot open /dev/net/tun: %s", strerror (saved));
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int saved = errno;
      close (fd);
      if (saved == EBUSY)
        refuse (HG_HELPER_EXIT_FAILED,
                "%s is in use (a switch is still plugged into it: stop vde_plug2tap first)",
                name);
      refuse (HG_HELPER_EXIT_FAILED, "TUNSETIFF %s: %s", name, strerror (saved));
    }
  return fd;
}

static void
set_up (const char *name)
{
  struct ifreq ifr;
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (sock < 0)
    refuse (HG_HELPER_EXIT_FAILED, "socket: %s", strerror (errno));
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    refuse (HG_HELPER_EXIT_FAILED, "SIOCGIFFLAGS %s: %s", name, strerror (errno));
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    refuse (HG_HELPER_EXIT_FAILED, "cannot bring %s up: %s", name, strerror (errno));
  close (sock);
}

static int
create_tap (const char *name)
{
  int fd;

  if (interface_exists (name))
    refuse (HG_HELPER_EXIT_EXISTS, "%s already exists", name);
  fd = open_tun (name);
  if (ioctl (fd, TUNSETOWNER, (unsigned long) caller_uid) < 0)
    {
      int saved = errno;
      close (fd);
      refuse (HG_HELPER_EXIT_FAILED, "TUNSETOWNER %s: %s", name, strerror (saved));
    }
  if (ioctl (fd, TUNSETPERSIST, 1) < 0)
    {
      int saved = errno;
      close (fd);
      refuse (HG_HELPER_EXIT_FAILED, "TUNSETPERSIST %s: %s", name, strerror (saved));
    }
  close (fd);
  set_up (name);
  syslog (LOG_NOTICE, "created TAP %s for uid %lu", name, caller_uid);
  printf ("%s\n", name);
  return HG_HELPER_EXIT_OK;
}

static int
delete_tap (const char *name)
{
  int fd;

  check_caller_owns (name, "deleting");
  fd = open_tun (name);
  if (ioctl (fd, TUNSETPERSIST, 0) < 0)
    {
      int saved = errno;
      close (fd);
      refuse (HG_HELPER_EXIT_FAILED, "TUNSETPERSIST %s: %s", name, strerror (saved));
    }
  close (fd);
  syslog (LOG_NOTICE, "deleted TAP %s of uid %lu", name, caller_uid);
  return HG_HELPER_EXIT_OK;
}

/* The config file must be a regular root-owned file nobody else can write. */
static int
bridge_allowed (const char *bridge)
{
  char text[4096];
  struct stat st;
  ssize_t n;
  char *line, *save = NULL;
  int fd = open (HG_HELPER_CONF, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0)
    {
      if (errno == ENOENT)
        refuse (HG_HELPER_EXIT_NOT_AUTHORIZED,
                "no bridge is allowed: %s does not exist (allowed-bridges=br0,...)",
                HG_HELPER_CONF);
      refuse (HG_HELPER_EXIT_FAILED, "cannot read %s: %s", HG_HELPER_CONF, strerror (errno));
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != 0 ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED,
            "%s must be a regular file owned by root and writable only by root; ignoring it",
            HG_HELPER_CONF);
  n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n < 0)
    refuse (HG_HELPER_EXIT_FAILED, "cannot read %s: %s", HG_HELPER_CONF, strerror (errno));
  text[n] = '\0';

  for (line = strtok_r (text, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      char *value, *item, *save2 = NULL;
      while (*line == ' ' || *line == '\t')
        line++;
      if (strncmp (line, "allowed-bridges", 15) != 0)
        continue;
      value = line + 15;
      while (*value == ' ' || *value == '\t')
        value++;
      if (*value != '=')
        continue;
      value++;
      for (item = strtok_r (value, ", \t", &save2); item != NULL; item = strtok_r (NULL, ", \t", &save2))
        if (strcmp (item, bridge) == 0)
          return 1;
    }
  return 0;
}

static int
attach_bridge (const char *name,
               const char *bridge)
{
  struct ifreq ifr;
  char buf[16];
  char path_attr[32];
  int sock;
  unsigned int index;

  check_caller_owns (name, "attaching");
  if (!bridge_allowed (bridge))
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED,
            "bridge %s is not allowed (allowed-bridges in %s)", bridge, HG_HELPER_CONF);
  if (!interface_exists (bridge))
    refuse (HG_HELPER_EXIT_NOT_FOUND, "there is no bridge %s", bridge);
  snprintf (path_attr, sizeof path_attr, "bridge/stp_state");
  if (read_sys_value (bridge, path_attr, buf, sizeof buf) != 0)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "%s is not a bridge", bridge);
  index = if_nametoindex (name);
  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    refuse (HG_HELPER_EXIT_FAILED, "socket: %s", strerror (errno));
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, bridge, IFNAMSIZ - 1);
  ifr.ifr_ifindex = (int) index;
  if (ioctl (sock, SIOCBRADDIF, &ifr) < 0)
    refuse (HG_HELPER_EXIT_FAILED, "cannot add %s to bridge %s: %s", name, bridge, strerror (errno));
  close (sock);
  syslog (LOG_NOTICE, "attached TAP %s of uid %lu to bridge %s", name, caller_uid, bridge);
  return HG_HELPER_EXIT_OK;
}

/* One line per hgtap device:  NAME owner=UID up=yes|no bridge=BR|-  */
static int
status (void)
{
  DIR *dir;
  struct dirent *de;
  int tun = access ("/dev/net/tun", R_OK | W_OK) == 0;

  printf ("tun=%s\n", tun ? "yes" : "no");
  dir = opendir ("/sys/class/net");
  if (dir == NULL)
    refuse (HG_HELPER_EXIT_FAILED, "cannot list /sys/class/net: %s", strerror (errno));
  while ((de = readdir (dir)) != NULL)
    {
      char flags[32], master[PATH_MAX], link[128];
      long owner;
      unsigned long f = 0;
      ssize_t n;
      const char *br = "-";

      if (!is_tap_name (de->d_name))
        continue;
      owner = tap_owner (de->d_name);
      if (owner == -2)
        continue;
      if (read_sys_value (de->d_name, "flags", flags, sizeof flags) == 0)
        f = strtoul (flags, NULL, 16);
      snprintf (link, sizeof link, "/sys/class/net/%.15s/master", de->d_name);
      n = readlink (link, master, sizeof master - 1);
      if (n > 0)
        {
          master[n] = '\0';
          br = strrchr (master, '/') != NULL ? strrchr (master, '/') + 1 : master;
        }
      printf ("%s owner=%ld up=%s bridge=%s\n", de->d_name, owner, (f & IFF_UP) ? "yes" : "no", br);
    }
  closedir (dir);
  return HG_HELPER_EXIT_OK;
}

int
main (int argc, char **argv)
{
  const char *verb;

  close_inherited_fds ();
  umask (077);
  openlog ("hangar-net-helper", LOG_PID, LOG_AUTHPRIV);

  check_environment ();
  caller_uid = read_caller_uid ();
  if (clearenv () != 0)
    refuse (HG_HELPER_EXIT_FAILED, "cannot clear the environment");
  setenv ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
  if (chdir ("/") != 0)
    refuse (HG_HELPER_EXIT_FAILED, "cannot change to /: %s", strerror (errno));
  check_caller_is_user (caller_uid);

  if (argc < 2)
    usage ();
  verb = argv[1];
  if (geteuid () != 0)
    refuse (HG_HELPER_EXIT_NOT_AUTHORIZED, "must run as root (through pkexec)");

  if (strcmp (verb, "create-tap") == 0 || strcmp (verb, "delete-tap") == 0)
    {
      if (argc != 3)
        refuse (HG_HELPER_EXIT_USAGE, "%s takes exactly one argument, the TAP name", verb);
      check_tap_name (argv[2]);
      syslog (LOG_INFO, "uid %lu asks: %s %s", caller_uid, verb, argv[2]);
      return verb[0] == 'c' ? create_tap (argv[2]) : delete_tap (argv[2]);
    }
  if (strcmp (verb, "attach-bridge") == 0)
    {
      if (argc != 4)
        refuse (HG_HELPER_EXIT_USAGE, "attach-bridge takes exactly two arguments, TAP and BRIDGE");
      check_tap_name (argv[2]);
      check_bridge_name (argv[3]);
      syslog (LOG_INFO, "uid %lu asks: attach-bridge %s %s", caller_uid, argv[2], argv[3]);
      return attach_bridge (argv[2], argv[3]);
    }
  if (strcmp (verb, "status") == 0)
    {
      if (argc != 2)
        refuse (HG_HELPER_EXIT_USAGE, "status takes no arguments");
      return status ();
    }
  {
    char shown[40];
    size_t i;
    for (i = 0; verb[i] != '\0' && i < sizeof shown - 1; i++)
      shown[i] = (verb[i] >= 0x20 && verb[i] < 0x7f) ? verb[i] : '?';
    shown[i] = '\0';
    refuse (HG_HELPER_EXIT_USAGE,
            "unknown verb \"%s\": create-tap, delete-tap, attach-bridge or status", shown);
  }
  return HG_HELPER_EXIT_USAGE;
}
