/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-proc"
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "hg-proc-net.h"

/*
 * /proc/net/{tcp,udp}{,6} lines:
 *   sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
 * IPv4 addresses are the raw 32-bit word in hex (so "0100007F" is
 * 127.0.0.1 on a little-endian host), IPv6 ones four such words.
 */

#define TCP_LISTEN 0x0A

typedef struct {
  gboolean        v6;
  struct in_addr  a4;
  struct in6_addr a6;
  guint16         port;
  guint           state;
  guint64         inode;
} SocketLine;

static gboolean
parse_word (const char *hex,
            guint32    *out)
{
  char buf[9];
  char *end = NULL;

  memcpy (buf, hex, 8);
  buf[8] = '\0';
  *out = (guint32) strtoul (buf, &end, 16);
  return end == buf + 8;
}

static gboolean
parse_line (const char *line,
            gboolean    v6,
            SocketLine *out)
{
  g_auto(GStrv) f = g_strsplit_set (g_strstrip ((char *) line), " \t", -1);
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  const char *local, *colon;
  guint64 value;

  for (guint i = 0; f[i] != NULL; i++)
    if (*f[i] != '\0')
      g_ptr_array_add (fields, f[i]);
  if (fields->len < 10)
    return FALSE;
  local = fields->pdata[1];
  colon = strchr (local, ':');
  if (colon == NULL || (gsize) (colon - local) != (v6 ? 32u : 8u))
    return FALSE;
  out->v6 = v6;
  if (v6)
    for (guint w = 0; w < 4; w++)
      {
        guint32 word;

        if (!parse_word (local + 8 * w, &word))
          return FALSE;
        memcpy (out->a6.s6_addr + 4 * w, &word, 4);
      }
  else if (!parse_word (local, &out->a4.s_addr))
    return FALSE;
  if (!g_ascii_string_to_unsigned (colon + 1, 16, 0, 65535, &value, NULL))
    return FALSE;
  out->port = (guint16) value;
  if (!g_ascii_string_to_unsigned (fields->pdata[3], 16, 0, 255, &value, NULL))
    return FALSE;
  out->state = (guint) value;
  if (!g_ascii_string_to_unsigned (fields->pdata[9], 10, 0, G_MAXUINT64, &out->inode, NULL))
    return FALSE;
  return TRUE;
}

/* Does a socket bound to line's address clash with want (IPv4)? */
static gboolean
address_clashes (const SocketLine     *line,
                 const struct in_addr *want)
{
  if (!line->v6)
    return line->a4.s_addr == want->s_addr || line->a4.s_addr == htonl (INADDR_ANY) ||
           want->s_addr == htonl (INADDR_ANY);
  if (IN6_IS_ADDR_UNSPECIFIED (&line->a6))
    return TRUE;
  if (IN6_IS_ADDR_V4MAPPED (&line->a6))
    {
      struct in_addr mapped;

      memcpy (&mapped.s_addr, line->a6.s6_addr + 12, 4);
      return mapped.s_addr == want->s_addr || want->s_addr == htonl (INADDR_ANY);
    }
  return FALSE;
}

/* The sockets of /proc/net/<proto>{,6} on port in a state that holds it */
static GArray *
sockets_on_port (const char *proto,
                 guint16     port)
{
  GArray *found = g_array_new (FALSE, TRUE, sizeof (SocketLine));
  gboolean tcp = g_str_equal (proto, "tcp");

  for (guint v6 = 0; v6 < 2; v6++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/net/%s%s", proto, v6 ? "6" : "");
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          SocketLine line = { 0 };

          if (!parse_line (lines[i], v6, &line) || line.port != port)
            continue;
          /* a TCP port is taken by a listener; a UDP one by any socket */
          if (tcp && line.state != TCP_LISTEN)
            continue;
          g_array_append_val (found, line);
        }
    }
  return found;
}

/* "NAME (pid N)" of a process of ours with an fd on socket:[inode] */
static char *
socket_owner (guint64 inode)
{
  g_autofree char *want = g_strdup_printf ("socket:[%" G_GUINT64_FORMAT "]", inode);
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *pid_name;

  while (proc != NULL && (pid_name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *fd_dir_path = NULL;
      g_autoptr(GDir) fd_dir = NULL;
      const char *fd_name;
      guint64 pid;

      if (!g_ascii_string_to_unsigned (pid_name, 10, 1, G_MAXINT, &pid, NULL))
        continue;
      fd_dir_path = g_strdup_printf ("/proc/%s/fd", pid_name);
      fd_dir = g_dir_open (fd_dir_path, 0, NULL);   /* another user's: EACCES */
      while (fd_dir != NULL && (fd_name = g_dir_read_name (fd_dir)) != NULL)
        {
          g_autofree char *link_path = g_build_filename (fd_dir_path, fd_name, NULL);
          g_autofree char *target = g_file_read_link (link_path, NULL);

          if (target != NULL && g_str_equal (target, want))
            {
              g_autofree char *comm_path = g_strdup_printf ("/proc/%s/comm", pid_name);
              g_autofree char *comm = NULL;

              if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
                return NULL;
              g_strchomp (comm);
              return g_strdup_printf ("%s (pid %s)", comm, pid_name);
            }
        }
    }
  return NULL;
}

gboolean
hg_proc_net_find_port_holder (const char  *proto,
                              const char  *address,
                              guint16      port,
                              char       **holder)
{
  g_autoptr(GArray) sockets = NULL;
  struct in_addr want;

  g_return_val_if_fail (proto != NULL && address != NULL, FALSE);

  if (holder != NULL)
    *holder = NULL;
  if (inet_pton (AF_INET, address, &want) != 1)
    return FALSE;
  sockets = sockets_on_port (proto, port);
  for (guint i = 0; i < sockets->len; i++)
    {
      const SocketLine *line = &g_array_index (sockets, SocketLine, i);

      if (!address_clashes (line, &want))
        continue;
      if (holder != NULL && line->inode != 0)
        *holder = socket_owner (line->inode);
      return TRUE;
    }
  return FALSE;
}

gboolean
hg_proc_net_tcp_is_listening (const char *address,
                              guint16     port)
{
  return hg_proc_net_find_port_holder ("tcp", address, port, NULL);
}

GStrv
hg_proc_net_tcp_listen_addresses (guint16 port)
{
  g_autoptr(GArray) sockets = sockets_on_port ("tcp", port);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < sockets->len; i++)
    {
      const SocketLine *line = &g_array_index (sockets, SocketLine, i);
      char text[INET6_ADDRSTRLEN];

      if (line->v6)
        inet_ntop (AF_INET6, &line->a6, text, sizeof text);
      else
        inet_ntop (AF_INET, &line->a4, text, sizeof text);
      g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);
}
