/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Who holds a host port: the sockets of /proc/net/{tcp,tcp6,udp,udp6} and
 * their owners found through /proc/PID/fd (only this user's processes can
 * be read; another user's socket is found, its owner stays unknown).
 */

/* TRUE if a socket listens (tcp) or is bound (udp) on port at an address
 * that clashes with address (a dotted-quad IPv4 address; 0.0.0.0 and
 * IPv6's :: clash with every address).  *holder (may be NULL): "NAME (pid
 * N)" of the process holding it, or NULL when it cannot be read. */
gboolean  hg_proc_net_find_port_holder (const char  *proto,
                                        const char  *address,
                                        guint16      port,
                                        char       **holder);

/* TRUE if something listens on TCP port at address (or a clashing one),
 * e.g. to check that a forward went away. */
gboolean  hg_proc_net_tcp_is_listening (const char  *address,
                                        guint16      port);

/* Every IPv4 address (dotted quad) with a listening TCP socket on port,
 * "::" or the IPv6 address for IPv6 ones; empty when none. */
GStrv     hg_proc_net_tcp_listen_addresses (guint16 port);

G_END_DECLS
