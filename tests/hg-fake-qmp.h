/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * A scripted QMP peer for protocol edge cases (after gtk-vnc's
 * vncconnectiontest.c and libvirt's qemumonitortestutils).  It listens on a
 * UNIX socket in a fresh temporary directory, accepts one connection and
 * plays its script in the thread-default main context:
 *
 *   send     a line (a "\n" is appended); "@label@" is replaced by the JSON
 *            id of the command that the expect step with that label received
 *   send_raw bytes as they are (for invalid UTF-8, huge lines, no newline)
 *   expect   reads one line, which must be {"execute": COMMAND, …}; it is
 *            remembered under label (may be NULL)
 *   close    closes the connection once everything queued is written
 *
 * After the last step the peer keeps the connection open and ignores what
 * it reads.  Script mistakes (a wrong command, EOF while expecting) are
 * recorded and reported by hg_fake_qmp_assert_finished().
 */

typedef struct _HgFakeQmp HgFakeQmp;

HgFakeQmp  *hg_fake_qmp_new              (void);
void        hg_fake_qmp_free             (HgFakeQmp *fake);
const char *hg_fake_qmp_get_path         (HgFakeQmp *fake);

void        hg_fake_qmp_send             (HgFakeQmp *fake, const char *line);
void        hg_fake_qmp_send_raw         (HgFakeQmp *fake, const void *data, gsize len);
void        hg_fake_qmp_expect           (HgFakeQmp *fake, const char *command, const char *label);
void        hg_fake_qmp_close            (HgFakeQmp *fake);

/* A QEMU 7.2 greeting, then expect qmp_capabilities and answer it. */
void        hg_fake_qmp_handshake        (HgFakeQmp *fake);

/* The whole command received by the expect step labelled label, or NULL. */
JsonObject *hg_fake_qmp_get_received     (HgFakeQmp *fake, const char *label);
/* TRUE while a client is connected. */
gboolean    hg_fake_qmp_is_connected     (HgFakeQmp *fake);
/* TRUE once every step has run. */
gboolean    hg_fake_qmp_is_finished      (HgFakeQmp *fake);
/* TRUE once the client has closed its end (EOF seen). */
gboolean    hg_fake_qmp_saw_eof          (HgFakeQmp *fake);
/* Fails the test if a script step went wrong or steps are left. */
void        hg_fake_qmp_assert_finished  (HgFakeQmp *fake);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgFakeQmp, hg_fake_qmp_free)

G_END_DECLS
