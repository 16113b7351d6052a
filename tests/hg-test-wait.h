/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

/*
 * Waits for the QMP tests, which run their clients on the thread-default
 * main context: WAIT_UNTIL (cond) iterates it until cond holds and fails
 * the test after WAIT_MS (the including file defines it); store_result_cb
 * keeps an async call's result in a GAsyncResult * slot.
 */

static inline gboolean
hg_test_wait_set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_UNTIL(cond)                                                    \
  G_STMT_START                                                              \
  {                                                                         \
    gboolean      timed_out_ = FALSE;                                       \
    GMainContext *ctx_ = g_main_context_get_thread_default ();              \
    GSource      *src_ = g_timeout_source_new (WAIT_MS);                    \
    g_source_set_callback (src_, hg_test_wait_set_true, &timed_out_, NULL); \
    g_source_attach (src_, ctx_);                                           \
    while (!(cond) && !timed_out_)                                          \
      g_main_context_iteration (ctx_, TRUE);                                \
    g_source_destroy (src_);                                                \
    g_source_unref (src_);                                                  \
    if (!(cond))                                                            \
      g_error ("timed out waiting for %s", #cond);                          \
  }                                                                         \
  G_STMT_END

static inline void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}
