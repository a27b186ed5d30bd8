"""Blog views.

Anti-patterns: N+1 query (post_list) and raw SQL built with an f-string
(search_posts). post_feed and posts_by_author are the corrected versions.
"""
from django.db import connection
from django.http import JsonResponse
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Post
from .serializers import PostSerializer


def post_list(request):
    data = []
    for post in Post.objects.all():
        data.append({"id": post.id, "title": post.title, "author": post.author.name})
    return JsonResponse({"posts": data})


def post_feed(request):
    posts = Post.objects.select_related("author").prefetch_related("tags")[:50]
    data = [
        {
            "id": post.id,
            "title": post.title,
            "author": post.author.name,
            "tags": [tag.name for tag in post.tags.all()],
        }
        for post in posts
    ]
    return JsonResponse({"posts": data})


def search_posts(request):
    q = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, title FROM blog_post WHERE title LIKE '%{q}%'")
        rows = cursor.fetchall()
    return JsonResponse({"results": [{"id": r[0], "title": r[1]} for r in rows]})


def posts_by_author(request, author_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM blog_post WHERE author_id = %s", [author_id])
        rows = cursor.fetchall()
    return JsonResponse({"results": [{"id": r[0], "title": r[1]} for r in rows]})


@api_view(["POST"])
def create_post(request):
    serializer = PostSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    return Response(serializer.data, status=status.HTTP_201_CREATED)
