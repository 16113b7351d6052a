/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sys/socket.h>

#include <gio/gio.h>

#include "hg-switch.h"
#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * Helpers for the lifecycle tests with real QEMU: guest configs built from
 * $HANGAR_GUESTS_DIR (tools/build-guests.sh), waits on the default main
 * context with a deadline (never a fixed sleep), and a serial console
 * reader.
 */

/* $HANGAR_GUESTS_DIR/<sub>/<file> if it exists, else NULL (and the test
 * should g_test_skip). */
char       *hg_test_guest_file    (const char *sub, const char *file);

/* Sets HANGAR_RUNTIME_DIR to a fresh short temporary directory; removed by
 * hg_test_runtime_cleanup(). */
void        hg_test_runtime_init    (void);
void        hg_test_runtime_cleanup (void);

/* A fresh VM directory in a temporary base directory, config saved there.
 * kind: "demo", "tiny" (boot from boot.iso in a CD drive) or "aarch64".
 * NULL if the guest is not built. *base_out: the base dir (for --base). */
HgVmConfig *hg_test_make_vm       (const char *kind, const char *label, char **base_out);
/* Removes a base directory made by hg_test_make_vm. */
void        hg_test_remove_tree   (const char *dir);

typedef gboolean (*HgTestCond) (gpointer data);
/* Iterates the default main context until cond(data) or timeout_ms. */
gboolean    hg_test_wait_until    (HgTestCond cond, gpointer data, guint timeout_ms);
/* Waits until *slot is set by hg_test_store_result (callback). */
gboolean    hg_test_wait_result   (GAsyncResult **slot, guint timeout_ms);
void        hg_test_store_result  (GObject *source, GAsyncResult *result, gpointer slot);
/* Starts the switch (hg_switch_start_async) and waits for its answer */
gboolean    hg_test_switch_start  (HgSwitch *sw, GError **error);
/* Waits until the VM's state is state. */
gboolean    hg_test_wait_state    (HgVm *vm, HgVmState state, guint timeout_ms);

/* Synchronous conveniences (assert on failure) */
void        hg_test_vm_start      (HgVm *vm, HgVmStartFlags flags);
/* Runs one of the HgVm actions finished by hg_vm_action_finish
 * (hg_vm_pause_async, hg_vm_resume_async, …) */
typedef void (*HgTestVmAction) (HgVm *, GCancellable *, GAsyncReadyCallback, gpointer);
void        hg_test_vm_action     (HgVm *vm, HgTestVmAction func);
/* The VM's block devices (HgQmpBlockInfo), asserting the query works */
GPtrArray  *hg_test_vm_media_list (HgVm *vm);
/* Forces an active VM off and waits for it (no-op if it is not active) */
void        hg_test_vm_kill       (HgVm *vm);

typedef struct _HgTestSerial HgTestSerial;
HgTestSerial *hg_test_serial_open     (const char *path, GError **error);
/* Waits until needle appeared in the output after the last mark. */
gboolean      hg_test_serial_wait_for (HgTestSerial *serial, const char *needle, guint timeout_ms);
/* Forgets the output so far (next waits look at what comes after). */
void          hg_test_serial_mark     (HgTestSerial *serial);
void          hg_test_serial_write    (HgTestSerial *serial, const char *text);
const char   *hg_test_serial_output   (HgTestSerial *serial);
void          hg_test_serial_free     (HgTestSerial *serial);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgTestSerial, hg_test_serial_free)

/* A fresh directory from a g_dir_make_tmp template (asserting) */
char         *hg_test_make_dir        (const char *tmpl);
/* Writes text to path, its folders made first (asserting) */
void          hg_test_write_file      (const char *path, const char *text);

/* Runs argv (no shell) to completion with a deadline; returns the exit
 * status, stdout and stderr.  -1 on timeout. */
int           hg_test_run             (const char * const *argv, char **out, char **err,
                                       guint timeout_ms);
/* SHA-256 of a file's contents (asserting it can be read), to tell that a
 * file is byte-identical before and after */
char         *hg_test_file_checksum   (const char *path);
/* path of the built hangarctl */
char         *hg_test_hangarctl_path  (void);
/* { hangarctl, "--base", base, args… (up to a NULL), NULL }, for
 * hg_test_run or GSubprocess (argv->pdata) */
GPtrArray    *hg_test_hangarctl_argv_va (const char *base, va_list args);
/* hg_test_run of hangarctl --base base args… (up to a NULL); *out and
 * *err (not NULL) are freed first, so one pair serves many calls */
int           hg_test_hangarctl       (const char *base, char **out, char **err,
                                       guint timeout_ms, ...) G_GNUC_NULL_TERMINATED;

/* A port of 127.0.0.1 nobody uses now (the kernel's choice); type is
 * SOCK_STREAM or SOCK_DGRAM */
guint16       hg_test_free_port       (int type);
/* A TCP socket listening on 127.0.0.1:port (close it to let go) */
int           hg_test_listen_tcp      (guint16 port);

G_END_DECLS
