// Entry point is written by the SimFs work (issue 6).
return 0;
