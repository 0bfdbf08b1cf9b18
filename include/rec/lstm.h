/*
 * lstm.h - a single-layer LSTM over a batch of sequences, forward and
 * backward through time, in the layer kit's style (layer.h): free
 * functions on raw float arrays, outputs first, forward overwrites,
 * backward ADDS into every gradient, no allocation, no hidden state.
 *
 * Sizes: t steps, n sequences (batch rows), in input width, h hidden size.
 * Sequence tensors are time-major: x (t, n, in) holds step s of sequence r
 * at x + (s n + r) in.  t n, 4 h and in must fit in int (rec_sgemm takes
 * int; the model checks once); n, h > 0 and t >= 0, in >= 0.  threads:
 * those the matrix products may run on (rec_sgemm); no result depends on
 * it.
 *
 * The cell (the equations and gate order of torch.nn.LSTM):
 *   a   = x_s wx^T + h_{s-1} wh^T + b           pre-activations (n, 4h)
 *   i   = sigmoid(a[:, 0h:1h])                   input gate
 *   f   = sigmoid(a[:, 1h:2h])                   forget gate
 *   g   = tanh   (a[:, 2h:3h])                   cell candidate
 *   o   = sigmoid(a[:, 3h:4h])                   output gate
 *   c_s = f c_{s-1} + i g,   h_s = o tanh(c_s),  h_{-1} = c_{-1} = 0
 * Weight layout: the rows of wx (4h, in), wh (4h, h) and b (4h) are the
 * four gates stacked in that order, i f g o, h rows each; so wx and wh are
 * torch's weight_ih_l0 and weight_hh_l0, and b is b_ih + b_hh.  The forget
 * gate's bias is an ordinary parameter (no built-in +1; a model wanting
 * one initialises b[h:2h] to 1).
 *
 * Padding: mask (t, n) is 1 at a real step and 0 at a padding step (only
 * 0 and non-0 matter; NULL means every step is real).  A padding step is
 * skipped: it carries the state through unchanged, h_s = h_{s-1} and
 * c_s = c_{s-1}, and its input x_s is never read into the result.  For
 * the LEFT-padded sequences the models build, the state before the first
 * real step is the zero start, so the padding steps hold h = c = 0 and
 * hs at the last step is the state after the sequence's last real step,
 * exactly as if the sequence had been run unpadded.  (A 0 in the middle
 * of a sequence just repeats the state; a sequence that is all padding
 * ends at h = c = 0.)  Input at padding steps may be any finite junk: it
 * changes neither the outputs nor any gradient.
 */
#ifndef REC_LSTM_H
#define REC_LSTM_H

#include <stddef.h>

/* Floats of scratch rec_lstm_backward needs: (4 t + 2) n h, i.e. the gate
 * gradients of every step (t, n, 4h) plus dL/dh and dL/dc of one step
 * (n, h) each, then wh copied once for the steps' products
 * (rec_sgemm_packed_len(4h, h)).  0 when t, n or h is not positive. */
size_t rec_lstm_scratch_len(int t, int n, int h);

/* Floats of the wpack rec_lstm_forward needs: wh^T copied once for the
 * steps' products (rec_sgemm_packed_len(h, 4h)); 0 when h <= 0. */
size_t rec_lstm_wpack_len(int h);

/* Run the LSTM over all t steps.
 *   hs    (t, n, h)   out: hidden state after each step
 *   cs    (t, n, h)   out: cell state after each step
 *   gates (t, n, 4h)  out: the post-activation gates i f g o of each step,
 *                     cached for backward (zero at padding steps)
 *   x     (t, n, in)  inputs; or NULL when the caller has already put the
 *                     input part x_s wx^T + b of every step into gates
 *                     (for instance from a table of it per item, when
 *                     the inputs are embeddings); wx and b are then not
 *                     read, and gates must hold finite values at padding
 *                     steps too
 *   mask  (t, n)      1 real step, 0 padding; NULL: all real
 *   wx    (4h, in), wh (4h, h), b (4h) or NULL for no bias
 *   wpack rec_lstm_wpack_len(h) floats of caller-owned scratch
 * One sgemm computes x wx^T + b for every step at once; then each step is
 * one sgemm adding h_{s-1} wh^T and one loop of gate and state arithmetic.
 * No output may overlap another array. */
void rec_lstm_forward(float *hs, float *cs, float *gates, const float *x,
                      const float *mask, const float *wx, const float *wh,
                      const float *b, float *wpack, int t, int n, int in,
                      int h, int threads);

/* Backpropagation through time, from d_hs, dL/dh at every step.
 *   d_x   (t, n, in)  += dL/dx   (exactly 0 added at padding steps)
 *   d_wx  (4h, in)    += dL/dwx
 *   d_wh  (4h, h)     += dL/dwh
 *   d_b   (4h)        += dL/db
 *     each NULL when not needed
 *   d_hs  (t, n, h)   dL/dh_s for every step; zero where h_s is not used
 *                     (at a padding step it flows on to h_{s-1}, as the
 *                     state was carried; under left padding, into the
 *                     constant zero start, so it is ignored)
 *   x, mask, wx, wh   as given to forward
 *   hs, cs, gates     as forward wrote them
 *   scratch           rec_lstm_scratch_len(t, n, h) floats, caller-owned;
 *                     overwritten, need not be initialised; on return its
 *                     first t n 4h floats are dL/da, the gradient of the
 *                     pre-activations of every step (t, n, 4h; zero at
 *                     padding steps), from which a caller that gave
 *                     forward no x finds the gradients of its input part
 *   x may be NULL when d_x and d_wx are (as forward allows).
 * Gradients must not overlap anything backward reads. */
void rec_lstm_backward(float *d_x, float *d_wx, float *d_wh, float *d_b,
                       const float *d_hs, const float *x, const float *mask,
                       const float *hs, const float *cs, const float *gates,
                       const float *wx, const float *wh, float *scratch,
                       int t, int n, int in, int h, int threads);

/* rec_lstm_backward truncated at step t0 (0 <= t0 < t; clamped): the
 * gradient flows back through steps t0 .. t-1 only, and the states
 * before step t0 count as constants (truncated backpropagation through
 * time, as if the sequence started at t0 from those states).  d_hs
 * before t0 is not read; the scratch's dL/da is zero before t0.  Costs
 * (t - t0) / t of the whole backward.  t0 = 0 is rec_lstm_backward. */
void rec_lstm_backward_trunc(float *d_x, float *d_wx, float *d_wh, float *d_b,
                             const float *d_hs, const float *x,
                             const float *mask, const float *hs,
                             const float *cs, const float *gates,
                             const float *wx, const float *wh, float *scratch,
                             int t0, int t, int n, int in, int h,
                             int threads);

#endif
